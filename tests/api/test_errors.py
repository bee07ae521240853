"""Error answers of the API: one JSON shape, the right status, and nothing half-written.

Every error body is ``{"error": code, "detail": ...}``; bad input is a 4xx, never a 500; a
request that fails leaves the registry exactly as it was (its audit events included).
"""

from __future__ import annotations

import base64
import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from baton.registry.models import AuditEvent, Group, Permission, Service, User
from tests.api.conftest import PLAIN_USER, LiveServer

SERVICE = {"name": "svc", "kind": "socket", "addresses": ["127.0.0.1:9001"]}


def assert_error(response: httpx.Response, status: int, code: str) -> Any:
    """The answer is a JSON error with ``status`` and ``code``; returns its detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == code
    assert body["detail"]
    return body["detail"]


@pytest.fixture
def admin(live: LiveServer) -> Iterator[httpx.Client]:
    """The administrator, signed in with an API token."""
    with live.admin() as client:
        token = client.post("/api/tokens", json={"name": "errors"}).json()["token"]
    with live.bearer(token) as client:
        yield client


def counts(live: LiveServer) -> dict[str, int]:
    """How many rows the tables a failed request could touch hold."""
    with live.installation.database.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, Group, Service, Permission, AuditEvent)
        }


# The shape


def test_malformed_json(admin: httpx.Client) -> None:
    for body in (
        b'{"name": ',
        b"{'name': 'x'}",
        b"[" * 100_000,
        b"\xff\xfe{}",
        b'{"name": "\xff"}',
    ):
        response = admin.post(
            "/api/groups", content=body, headers={"Content-Type": "application/json"}
        )
        assert_error(response, 400, "malformed_body")


def test_empty_body_is_a_missing_body(admin: httpx.Client) -> None:
    response = admin.post("/api/groups", content=b"", headers={"Content-Type": "application/json"})
    detail = assert_error(response, 422, "invalid_request")
    assert [problem["field"] for problem in detail] == ["body"]


def test_unknown_field_is_named(admin: httpx.Client) -> None:
    response = admin.post("/api/groups", json={"name": "g", "colour": "blue"})
    detail = assert_error(response, 422, "invalid_request")
    assert [problem["field"] for problem in detail] == ["body.colour"]
    assert detail[0]["type"] == "extra_forbidden"


def test_wrong_types_and_missing_fields_are_named(admin: httpx.Client) -> None:
    response = admin.post("/api/users", json={"display_name": 5})
    detail = assert_error(response, 422, "invalid_request")
    assert {problem["field"] for problem in detail} == {"body.name", "body.display_name"}
    for problem in detail:
        assert problem["message"]


def test_declared_oversized_body(live: LiveServer, admin: httpx.Client) -> None:
    limit = live.installation.settings.api.max_body_bytes
    before = counts(live)
    body = b'{"name": "big", "description": "' + b"x" * limit + b'"}'
    response = admin.post("/api/groups", content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 413, "body_too_large")
    assert counts(live) == before


def test_streamed_oversized_body(live: LiveServer, admin: httpx.Client) -> None:
    limit = live.installation.settings.api.max_body_bytes
    before = counts(live)

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "big", "description": "'
        for _ in range(limit // 8192 + 2):
            yield b"x" * 8192
        yield b'"}'

    request = admin.build_request(
        "POST", "/api/groups", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    assert_error(admin.send(request), 413, "body_too_large")
    assert counts(live) == before


def test_body_at_the_limit_is_accepted(live: LiveServer, admin: httpx.Client) -> None:
    limit = live.installation.settings.api.max_body_bytes
    head = b'{"name": "padded"'
    body = head + b" " * (limit - len(head) - 1) + b"}"
    assert len(body) == limit
    response = admin.post("/api/groups", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def test_unknown_route(admin: httpx.Client) -> None:
    for path in ["/api/nowhere", "/api/users/admin/nowhere", "/api"]:
        assert_error(admin.get(path), 404, "not_found")
    # Outside the API, a GET no route answers is the web client's page (it routes itself);
    # other methods are still a 404.
    assert admin.get("/nowhere").headers["content-type"].startswith("text/html")
    assert_error(admin.delete("/nowhere"), 404, "not_found")


def test_unknown_route_still_needs_credentials(live: LiveServer) -> None:
    with live.client() as client:
        assert_error(client.get("/api/nowhere"), 401, "unauthenticated")


def test_wrong_method(admin: httpx.Client) -> None:
    response = admin.put("/api/users", json={})
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_not_found_names_the_entity(admin: httpx.Client) -> None:
    for path, kind in [
        ("/api/users/nobody", "user"),
        ("/api/groups/nobody", "group"),
        ("/api/roles/nobody", "role"),
        ("/api/libraries/nobody", "library"),
        ("/api/services/nobody", "service"),
        ("/api/server-definitions/nobody", "server definition"),
        ("/api/hosts/nobody", "host"),
        ("/api/credentials/nobody", "credential"),
        ("/api/tokens/4242", "token"),
    ]:
        detail = assert_error(admin.get(path), 404, "not_found")
        assert detail.startswith(kind), path
        assert path.rsplit("/", 1)[1] in detail


def test_not_found_on_change(admin: httpx.Client) -> None:
    detail = assert_error(admin.delete("/api/permissions/4242"), 404, "not_found")
    assert "4242" in detail
    detail = assert_error(admin.put("/api/groups/nogroup/members/admin"), 404, "not_found")
    assert "nogroup" in detail
    assert admin.post("/api/groups", json={"name": "team"}).status_code == 201
    detail = assert_error(admin.put("/api/groups/team/members/nouser"), 404, "not_found")
    assert "nouser" in detail


def test_duplicates(live: LiveServer, admin: httpx.Client) -> None:
    folder = str(live.installation.settings.home)
    creations = [
        ("/api/users", {"name": "dup", "password": "long-enough-password"}, "user"),
        ("/api/groups", {"name": "dup"}, "group"),
        ("/api/roles", {"name": "dup", "capabilities": ["operate"]}, "role"),
        ("/api/libraries", {"name": "dup", "path": folder}, "library"),
        ("/api/hosts", {"name": "dup"}, "host"),
        ("/api/credentials", {"name": "dup", "username": "svc", "secret": "s"}, "credential"),
        ("/api/server-definitions", {"name": "dup", "kind": "runner", "command": ["x"]}, "server"),
        ("/api/services", {**SERVICE, "name": "dup"}, "service"),
    ]
    for path, body, kind in creations:
        assert admin.post(path, json=body).status_code == 201, path
        before = counts(live)
        detail = assert_error(admin.post(path, json=body), 409, "already_exists")
        assert detail.startswith(kind)
        assert "'dup'" in detail
        assert counts(live) == before


NOT_NAMES = [
    "%2E%2E",
    "a%00b",
    "a" * 300,
    "-dash",
    "has%20space",
    "caf%C3%A9",
    "1abc",
    "a.b",
    "a;b",
]
NAMED_PATHS = [
    ("GET", "/api/users/{}"),
    ("DELETE", "/api/users/{}"),
    ("GET", "/api/groups/{}"),
    ("PUT", "/api/groups/team/members/{}"),
    ("GET", "/api/roles/{}"),
    ("DELETE", "/api/roles/operator/holders/user/{}"),
    ("GET", "/api/services/{}"),
    ("GET", "/api/server-definitions/{}"),
    ("GET", "/api/libraries/{}"),
    ("GET", "/api/hosts/{}"),
    ("DELETE", "/api/credentials/{}"),
]


def test_path_parameters_that_are_not_names(admin: httpx.Client) -> None:
    for method, template in NAMED_PATHS:
        for raw in NOT_NAMES:
            response = admin.request(method, template.format(raw))
            detail = assert_error(response, 422, "invalid_request")
            assert detail[0]["field"] in ("path.name", "path.user", "path.holder"), template


def test_an_encoded_slash_is_no_name(admin: httpx.Client) -> None:
    assert_error(admin.get("/api/users/a%2Fb"), 404, "not_found")
    assert_error(admin.delete("/api/groups/a%2F..%2F..%2Fusers"), 404, "not_found")


def test_a_literal_dot_dot_segment(live: LiveServer) -> None:
    """``..`` sent as is (httpx would normalise it away)."""
    password = live.installation.admin_password
    authorization = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()
    address = urlsplit(live.url)
    assert address.hostname is not None
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        for path, status in [
            ("/api/users/..", 422),
            ("/api/groups/..", 422),
            ("/api/users/../users", 404),
            ("/api/users/../../etc/passwd", 404),
        ]:
            connection.request("GET", path, headers={"Authorization": authorization})
            response = connection.getresponse()
            body = response.read()
            assert response.status == status, (path, response.status, body)
            assert response.getheader("content-type") == "application/json"
    finally:
        connection.close()


def test_out_of_range_numbers(admin: httpx.Client) -> None:
    for path in [
        "/api/tokens/99999999999999999999999999",
        "/api/tokens/2147483648",
        "/api/tokens/0",
        "/api/tokens/-1",
        "/api/tokens/1e3",
        "/api/users?limit=100000000000000000000",
        "/api/users?offset=100000000000000000000",
        "/api/users?offset=-1",
        "/api/users?limit=0",
        "/api/audit?limit=abc",
    ]:
        detail = assert_error(admin.get(path), 422, "invalid_request")
        assert detail[0]["field"] in ("path.token_id", "query.limit", "query.offset"), path
    detail = assert_error(
        admin.delete("/api/permissions/99999999999999999999"), 422, "invalid_request"
    )
    assert detail[0]["field"] == "path.permission_id"


# Nothing half-written


def test_failed_requests_change_nothing(live: LiveServer, admin: httpx.Client) -> None:
    assert admin.post("/api/groups", json={"name": "team"}).status_code == 201
    before = counts(live)
    failures = [
        (admin.post("/api/users", json={"name": "u1", "password": "long-enough", "x": 1}), 422),
        (admin.post("/api/users", json={"name": "u1", "password": "short"}), 400),
        (admin.post("/api/users", json={"name": PLAIN_USER, "password": "long-enough"}), 409),
        (admin.post("/api/users", json={"name": "1bad", "password": "long-enough"}), 422),
        (admin.post("/api/groups", json={"name": "team"}), 409),
        (admin.delete("/api/users/admin"), 409),
        (admin.patch("/api/users/admin", json={"disabled": True}), 409),
        (admin.delete("/api/groups/AUTHENTICATED"), 409),
        (admin.put("/api/groups/team/members/nobody"), 404),
        (
            admin.post(
                "/api/roles/operator/holders",
                json={"principal_kind": "user", "principal": "nobody"},
            ),
            404,
        ),
        (
            admin.post(
                "/api/permissions",
                json={
                    "principal_kind": "group",
                    "principal": "nogroup",
                    "resource_kind": "service",
                    "resource_name": "svc",
                    "action": "read",
                },
            ),
            404,
        ),
        (admin.post("/api/services", json={**SERVICE, "libraries": ["nosuch"]}), 404),
        (
            admin.post(
                "/api/services", json={"name": "p", "kind": "pool", "server_definition": "none"}
            ),
            404,
        ),
    ]
    for response, status in failures:
        assert response.status_code == status, (response.request.url, response.text)
        assert set(response.json()) == {"error", "detail"}
    assert counts(live) == before
    with live.plain() as client:
        assert client.get("/api/me").json()["user"]["disabled"] is False


def test_failed_replace_leaves_the_service_as_it_was(live: LiveServer, admin: httpx.Client) -> None:
    created = admin.post("/api/services", json={**SERVICE, "description": "original"})
    assert created.status_code == 201, created.text
    other = admin.post("/api/services", json={**SERVICE, "name": "other"})
    assert other.status_code == 201
    before = counts(live)
    # The rename and the description would be applied before the unknown library is found.
    renamed = {**SERVICE, "name": "renamed", "description": "changed", "libraries": ["nosuch"]}
    assert_error(admin.put("/api/services/svc", json=renamed), 404, "not_found")
    taken = {**SERVICE, "name": "other", "description": "changed"}
    assert_error(admin.put("/api/services/svc", json=taken), 409, "already_exists")
    assert counts(live) == before
    current = admin.get("/api/services/svc").json()
    assert current["description"] == "original"
    assert current["updated_at"] == created.json()["updated_at"]
    assert_error(admin.get("/api/services/renamed"), 404, "not_found")


def test_failed_replace_leaves_the_definition_as_it_was(admin: httpx.Client) -> None:
    definition = {"name": "appsrv", "kind": "application", "command": ["appsrv", "{port}"]}
    original = admin.post("/api/server-definitions", json=definition)
    assert original.status_code == 201, original.text
    # Name, kind and command would be applied before the unknown host is found.
    broken = {"name": "moved", "kind": "runner", "command": ["other"], "host": "nosuch"}
    detail = assert_error(
        admin.put("/api/server-definitions/appsrv", json=broken), 404, "not_found"
    )
    assert "nosuch" in detail
    assert admin.get("/api/server-definitions/appsrv").json() == original.json()
    assert_error(admin.get("/api/server-definitions/moved"), 404, "not_found")
