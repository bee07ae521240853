"""A service node's ports from a real service's OpenAPI document, fetched over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from baton.errors import NotFound
from baton.jobs.components import RegistryComponents
from baton.jobs.documents import load_job
from baton.jobs.model import Job
from baton.jobs.openapi import operation_ports, type_of_schema
from baton.jobs.types import JobType
from baton.jobs.validation import validate
from baton.registry import access, users
from tests.api.conftest import serve
from tests.conftest import Installation


class Quote(BaseModel):
    region: str
    day: date
    amount: float = 1.0


class Priced(BaseModel):
    price: float
    currency: str
    lines: list[int]


def pricing_service() -> FastAPI:
    app = FastAPI()

    @app.post("/price", operation_id="price")
    def price(quote: Quote) -> Priced:
        return Priced(price=quote.amount * 2, currency="EUR", lines=[1])

    return app


@pytest.fixture(scope="module")
def service_url() -> Iterator[str]:
    with serve(pricing_service()) as url:
        yield url


def job_using(url: str) -> Job:
    return load_job(
        f"""
name: priced
nodes:
  - id: quote
    kind: service
    url: {url}/price
    openapi: {url}/openapi.json
    operation: price
    bindings: {{region: '"north"', amount: 3}}
  - id: add
    kind: program
    program: sample.add
    bindings: {{a: nodes.quote.json.currency, b: size(nodes.quote.json.lines)}}
edges:
  - {{from: quote, to: add}}
"""
    )


def no_jobs(session: object, name: str, version: int | None) -> Job:
    raise NotFound("job", name)


def issues_for(installation: Installation, url: str, allowed: list[str]) -> set[tuple[str, str]]:
    settings = installation.settings.model_copy(
        update={"jobs": installation.settings.jobs.model_copy(update={"openapi_hosts": allowed})}
    )
    with installation.database.session() as session:
        admin = access.principal_for(session, users.load(session, "admin"), method="basic")
        world = RegistryComponents(session, admin, settings, no_jobs)
        return {(i.code, i.message) for i in validate(job_using(url), world)}


def test_the_operation_gives_inputs_and_outputs(
    installation: Installation, service_url: str
) -> None:
    host = service_url.removeprefix("http://")
    found = issues_for(installation, service_url, [host])
    codes = {code for code, _ in found}
    # day is required by the request body; the answer's currency is a string, not an integer.
    assert codes == {"unbound_input", "type_mismatch"}, found
    assert any("required input 'day'" in message for _, message in found)
    assert any("takes integer, but gets string" in message for _, message in found)


def test_a_host_not_allowed_is_never_fetched(installation: Installation, service_url: str) -> None:
    found = issues_for(installation, service_url, [])
    [(code, message)] = [item for item in found if item[0] == "openapi_unavailable"]
    assert "is not one of jobs.openapi_hosts" in message


def test_schemas_map_to_job_types() -> None:
    document = {
        "paths": {},
        "components": {"schemas": {"P": {"type": "object", "properties": {"d": {"$ref": "#/x"}}}}},
    }
    assert type_of_schema(document, {"type": "string", "format": "date-time"}) == JobType.DATETIME
    assert type_of_schema(document, {"type": "array", "items": {"type": "integer"}}) == (
        JobType.list_of(JobType.INTEGER)
    )
    assert type_of_schema(document, {"type": ["number", "null"]}) == JobType.NUMBER
    broken = type_of_schema(document, {"$ref": "#/components/schemas/P"})
    assert broken == JobType.object_of({"d": JobType.ANY})
    loop = {"paths": {}, "components": {"schemas": {"L": {"$ref": "#/components/schemas/L"}}}}
    assert type_of_schema(loop, {"$ref": "#/components/schemas/L"}) == JobType.ANY
    with pytest.raises(Exception, match="no operation 'nope'"):
        operation_ports(document, "nope")
