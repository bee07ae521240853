"""Property-based tests of the whole API from its own OpenAPI document (schemathesis).

Every operation is called with generated requests, valid and invalid, as the administrator: no
answer may be a server error, and every answer must match the status codes, content type and
body schema the document declares for it. One server serves the whole module (SQLite only:
this is about the HTTP edge, not the database), so the calls also meet each other's data.

schemathesis' own pytest loader (``schemathesis.pytest.from_fixture``) does not run under
pytest 9, so each operation is a plain parametrized test driving ``operation.as_strategy()``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from baton.api.app import ROUTERS, create_app
from baton.registry.bootstrap import initialise
from baton.registry.database import Database
from baton.settings import load_settings
from tests.api.conftest import serve
from tests.conftest import ADMIN_PASSWORD, TEST_SPAWNER, runners_on_demand

#: Routes the app adds itself, next to its routers'.
APP_ROUTES = [("GET", "/healthz"), ("GET", "/metrics")]
OPERATIONS = sorted(
    {
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    | set(APP_ROUTES)
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
GENERIC_CODES = {"error", "http_error", "bad_request"}
AUTHORIZATION = "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    """The served OpenAPI document of a fresh SQLite installation, shared by the module."""
    root: Path = tmp_path_factory.mktemp("schemathesis")
    settings_ = load_settings(
        root / "home",
        environ={},
        database_url=f"sqlite:///{root / 'registry.db'}",
        admin_password=ADMIN_PASSWORD,
        spawner=TEST_SPAWNER,
    )
    database = Database(settings_.registry_url)
    initialise(settings_, database=database)
    runners_on_demand(database)
    try:
        with serve(create_app(settings_, database)) as url:
            config = schemathesis.Config.from_dict({"generation": {"database": "none"}})
            yield schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)
    finally:
        database.dispose()


def test_every_served_operation_is_exercised(api_schema: schemathesis.BaseSchema) -> None:
    served = {
        (operation.method.upper(), operation.path)
        for result in api_schema.get_all_operations()
        for operation in [result.ok()]
    }
    assert served == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_schema(
    api_schema: schemathesis.BaseSchema, method: str, path: str
) -> None:
    operation = api_schema[path][method]
    strategies = [operation.as_strategy(schemathesis.GenerationMode.POSITIVE)]
    if operation.body or operation.path_parameters or operation.query:
        strategies.append(operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers={"Authorization": AUTHORIZATION}, checks=CHECKS)
        if response.status_code >= 400:
            # Every error has a specific code, never the framework's catch-all.
            assert response.json()["error"] not in GENERIC_CODES, response.text

    check()
