"""The program catalog through the API: what a user may run, and each program's form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import PLAIN_USER, LiveServer

SAMPLES = {"add", "chart", "counter", "form", "hello", "regions", "stream", "table"}


@pytest.fixture
def admin(live: LiveServer, tmp_path: Path) -> Iterator[httpx.Client]:
    """The administrator, with a second library no one else may run."""
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "secret.py").write_text("def main(code: str) -> str:\n    return code\n")
    with live.admin() as client:
        created = client.post("/api/libraries", json={"name": "private", "path": str(folder)})
        assert created.status_code == 201, created.text
        yield client


def programs(client: httpx.Client, query: str = "") -> list[str]:
    response = client.get(f"/api/programs{query}")
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_each_user_sees_the_programs_they_may_run(admin: httpx.Client, live: LiveServer) -> None:
    assert set(programs(admin)) == {f"sample.{name}" for name in SAMPLES} | {"private.secret"}
    with live.plain() as plain:
        assert set(programs(plain)) == {f"sample.{name}" for name in SAMPLES}
        assert plain.get("/api/programs/private.secret").status_code == 404
        granted = admin.post(
            "/api/permissions",
            json={
                "principal_kind": "user",
                "principal": PLAIN_USER,
                "resource_kind": "program",
                "resource_name": "private.secret",
                "action": "run",
            },
        )
        assert granted.status_code == 201, granted.text
        assert "private.secret" in programs(plain)
        assert plain.get("/api/programs/private.secret").status_code == 200


def test_filters_and_pages(admin: httpx.Client) -> None:
    assert programs(admin, "?library=private") == ["private.secret"]
    assert programs(admin, "?q=TWO%20integers") == ["sample.add"]
    page = admin.get("/api/programs?library=sample&limit=3&offset=3").json()
    assert page["total"] == len(SAMPLES) and len(page["items"]) == 3
    assert page["items"][0]["name"] == sorted(f"sample.{name}" for name in SAMPLES)[3]


def test_a_program_carries_its_form(admin: httpx.Client) -> None:
    add = admin.get("/api/programs/sample.add").json()
    assert add["kind"] == "python" and add["services"] == ["default", "launch"]
    assert add["broker"] == "/broker" and add["summary"] == "Add two integers."
    parameters = add["signature"]["parameters"]
    assert [(p["name"], p["type"], p["required"]) for p in parameters] == [
        ("a", "integer", True),
        ("b", "integer", True),
    ]
    assert add["signature"]["returns"]["type"] == "integer"
    # The private library is served by no service: listed, but with nowhere to run it.
    assert admin.get("/api/programs/private.secret").json()["services"] == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/programs/sample.nothing", 404),
        ("/api/programs/nowhere.add", 404),
        ("/api/programs/sample", 422),
        ("/api/programs/sample.add.py", 422),
        ("/api/programs/sample.a%2F..%2Fb", 404),
        ("/api/programs?library=../x", 422),
    ],
)
def test_bad_names_are_clear_refusals(admin: httpx.Client, path: str, status: int) -> None:
    response = admin.get(path)
    assert response.status_code == status, response.text
    assert response.json()["error"] in {"not_found", "invalid_request", "validation_error"}
