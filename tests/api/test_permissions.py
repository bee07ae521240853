"""Authorization through the API: resource grants, groups, roles, and /metrics.

The plain user starts with what every signed-in user has (read and run the sample library);
each test grants something through the API and checks what it opens, and what stays shut.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import PLAIN_USER, LiveServer

DEFINITION = {"name": "appsrv", "kind": "application", "command": ["appsrv", "{port}"]}


def service(name: str, description: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "kind": "socket",
        "addresses": ["127.0.0.1:9001"],
        "description": description,
    }


@pytest.fixture
def admin(live: LiveServer, tmp_path: Path) -> Iterator[httpx.Client]:
    """The administrator (by token), with a private library, a definition and two services."""
    with live.admin() as client:
        token = client.post("/api/tokens", json={"name": "permissions"}).json()["token"]
    with live.bearer(token) as client:
        (tmp_path / "private").mkdir()
        for path, body in [
            ("/api/libraries", {"name": "private", "path": str(tmp_path / "private")}),
            ("/api/server-definitions", DEFINITION),
            ("/api/services", service("open-svc")),
            ("/api/services", service("closed-svc")),
            ("/api/hosts", {"name": "node1"}),
        ]:
            response = client.post(path, json=body)
            assert response.status_code == 201, response.text
        yield client


@pytest.fixture
def plain(live: LiveServer) -> Iterator[httpx.Client]:
    """The plain user, signed in with a token of their own."""
    with live.plain() as client:
        token = client.post("/api/tokens", json={"name": "permissions"}).json()["token"]
    with live.bearer(token) as client:
        yield client


def grant(
    admin: httpx.Client,
    kind: str,
    name: str,
    action: str,
    *,
    to: str = PLAIN_USER,
    group: bool = False,
) -> int:
    """Grant ``action`` on ``kind``/``name``; the permission's id."""
    response = admin.post(
        "/api/permissions",
        json={
            "principal_kind": "group" if group else "user",
            "principal": to,
            "resource_kind": kind,
            "resource_name": name,
            "action": action,
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def names(client: httpx.Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"])
    return [item["name"] for item in page["items"]]


def assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"


def test_lists_show_only_what_the_user_may_read(admin: httpx.Client, plain: httpx.Client) -> None:
    assert names(admin, "/api/libraries") == ["private", "sample"]
    assert names(plain, "/api/libraries") == ["sample"]
    assert names(plain, "/api/services") == []
    assert names(plain, "/api/server-definitions") == []

    grant(admin, "service", "open-svc", "read")
    grant(admin, "library", "private", "write")  # write alone does not let one read
    assert names(plain, "/api/services") == ["open-svc"]
    assert names(plain, "/api/libraries") == ["sample"]
    grant(admin, "library", "private", "administer")  # administer implies read
    assert names(plain, "/api/libraries") == ["private", "sample"]
    grant(admin, "server_definition", "*", "read")
    # "appserver", "runner" and "workspace" are the definitions `baton init` creates
    assert names(plain, "/api/server-definitions") == [
        "appserver",
        "appsrv",
        "runner",
        "workspace",
    ]
    assert names(plain, "/api/services") == ["open-svc"]
    assert plain.get("/api/libraries/private").status_code == 200


def test_read_write_administer_on_a_service(admin: httpx.Client, plain: httpx.Client) -> None:
    assert_forbidden(plain.get("/api/services/open-svc"))

    grant(admin, "service", "open-svc", "read")
    shown = plain.get("/api/services/open-svc")
    assert shown.status_code == 200
    assert shown.json()["name"] == "open-svc"
    assert_forbidden(plain.put("/api/services/open-svc", json=service("open-svc", "mine")))
    assert_forbidden(plain.delete("/api/services/open-svc"))
    assert_forbidden(plain.get("/api/services/closed-svc"))
    assert admin.get("/api/services/open-svc").json()["description"] == ""

    grant(admin, "service", "open-svc", "write")
    replaced = plain.put("/api/services/open-svc", json=service("open-svc", "mine"))
    assert replaced.status_code == 200, replaced.text
    assert admin.get("/api/services/open-svc").json()["description"] == "mine"
    assert_forbidden(plain.delete("/api/services/open-svc"))
    assert_forbidden(plain.put("/api/services/closed-svc", json=service("closed-svc", "mine")))

    grant(admin, "service", "open-svc", "administer")
    assert plain.delete("/api/services/open-svc").status_code == 204
    assert admin.get("/api/services/open-svc").status_code == 404
    assert admin.get("/api/services/closed-svc").status_code == 200
    # Creating needs the administer capability, not a grant.
    assert_forbidden(plain.post("/api/services", json=service("new-svc")))


def test_a_revoked_grant_closes_again(admin: httpx.Client, plain: httpx.Client) -> None:
    permission = grant(admin, "service", "open-svc", "read")
    assert plain.get("/api/services/open-svc").status_code == 200
    assert admin.delete(f"/api/permissions/{permission}").status_code == 204
    assert_forbidden(plain.get("/api/services/open-svc"))
    assert names(plain, "/api/services") == []


def test_grants_on_server_definitions(admin: httpx.Client, plain: httpx.Client) -> None:
    assert_forbidden(plain.get("/api/server-definitions/appsrv"))
    grant(admin, "server_definition", "appsrv", "read")
    assert plain.get("/api/server-definitions/appsrv").status_code == 200
    changed = {**DEFINITION, "description": "changed"}
    assert_forbidden(plain.put("/api/server-definitions/appsrv", json=changed))
    grant(admin, "server_definition", "appsrv", "write")
    assert plain.put("/api/server-definitions/appsrv", json=changed).status_code == 200
    # Write tunes a definition; moving it to other hosts needs the administer capability.
    moved = plain.put("/api/server-definitions/appsrv", json={**changed, "hosts": ["node1"]})
    assert_forbidden(moved)
    assert "change hosts of" in moved.json()["detail"]
    assert_forbidden(plain.delete("/api/server-definitions/appsrv"))
    grant(admin, "server_definition", "appsrv", "administer")
    assert plain.delete("/api/server-definitions/appsrv").status_code == 204
    assert admin.get("/api/server-definitions/appsrv").status_code == 404


def test_a_group_grant_works_through_membership(admin: httpx.Client, plain: httpx.Client) -> None:
    assert admin.post("/api/groups", json={"name": "readers"}).status_code == 201
    grant(admin, "service", "closed-svc", "read", to="readers", group=True)
    assert_forbidden(plain.get("/api/services/closed-svc"))
    assert names(plain, "/api/services") == []

    assert admin.put(f"/api/groups/readers/members/{PLAIN_USER}").status_code == 200
    assert plain.get("/api/services/closed-svc").status_code == 200
    assert names(plain, "/api/services") == ["closed-svc"]
    assert_forbidden(plain.put("/api/services/closed-svc", json=service("closed-svc", "x")))

    assert admin.delete(f"/api/groups/readers/members/{PLAIN_USER}").status_code == 200
    assert_forbidden(plain.get("/api/services/closed-svc"))


def test_a_grant_to_everyone_signed_in(admin: httpx.Client, plain: httpx.Client) -> None:
    grant(admin, "service", "*", "read", to="AUTHENTICATED", group=True)
    # "default" and "launch" are the services `baton init` creates
    assert names(plain, "/api/services") == ["closed-svc", "default", "launch", "open-svc"]
    assert_forbidden(plain.delete("/api/services/open-svc"))


def test_the_operator_role(live: LiveServer, admin: httpx.Client, plain: httpx.Client) -> None:
    assert_forbidden(plain.get("/api/hosts"))
    assert_forbidden(plain.get("/metrics"))
    holder = {"principal_kind": "user", "principal": PLAIN_USER}
    assert admin.post("/api/roles/operator/holders", json=holder).status_code == 200

    assert names(plain, "/api/hosts") == ["node1"]
    assert plain.get("/api/hosts/node1").status_code == 200
    assert names(plain, "/api/server-definitions") == [
        "appserver",
        "appsrv",
        "runner",
        "workspace",
    ]
    assert plain.get("/api/server-definitions/appsrv").status_code == 200
    assert plain.get("/metrics").status_code == 200

    assert_forbidden(plain.post("/api/hosts", json={"name": "node2"}))
    assert_forbidden(plain.patch("/api/hosts/node1", json={"enabled": False}))
    assert_forbidden(plain.post("/api/hosts/node1/token"))
    assert_forbidden(plain.post("/api/server-definitions", json={**DEFINITION, "name": "mine"}))
    assert_forbidden(plain.put("/api/server-definitions/appsrv", json=DEFINITION))
    assert_forbidden(plain.get("/api/users"))
    assert_forbidden(plain.post("/api/permissions", json={}))
    assert admin.get("/api/hosts/node2").status_code == 404
    assert admin.get("/api/server-definitions/mine").status_code == 404
    # Operating servers is not reading services.
    assert names(plain, "/api/services") == []

    assert admin.delete(f"/api/roles/operator/holders/user/{PLAIN_USER}").status_code == 200
    assert_forbidden(plain.get("/api/hosts"))
    assert names(plain, "/api/server-definitions") == []


def test_the_operator_role_through_a_group(admin: httpx.Client, plain: httpx.Client) -> None:
    assert admin.post("/api/groups", json={"name": "ops"}).status_code == 201
    holder = {"principal_kind": "group", "principal": "ops"}
    assert admin.post("/api/roles/operator/holders", json=holder).status_code == 200
    assert_forbidden(plain.get("/api/hosts"))
    assert admin.put(f"/api/groups/ops/members/{PLAIN_USER}").status_code == 200
    assert names(plain, "/api/hosts") == ["node1"]


def test_metrics_need_the_operate_capability(live: LiveServer, plain: httpx.Client) -> None:
    with live.client() as anonymous:
        response = anonymous.get("/metrics")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert_forbidden(plain.get("/metrics"))

    with live.admin() as admin:
        assert admin.get("/api/users/someone-specific").status_code == 404
        response = admin.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "baton_http_requests_total" in text
    assert "baton_http_request_duration_seconds_bucket" in text
    # Requests are counted by route template, never by their raw path.
    assert 'route="/api/users/{name}",status="404"' in text
    assert "someone-specific" not in text
    assert 'route="/metrics",status="403"' in text


def test_write_on_a_service_does_not_repoint_it(admin: httpx.Client, plain: httpx.Client) -> None:
    grant(admin, "service", "open-svc", "write")
    body = service("open-svc", description="tuned by its owner")
    assert plain.put("/api/services/open-svc", json=body).status_code == 200
    for field, value in [
        ("addresses", ["10.0.0.9:9001"]),
        ("name", "renamed-svc"),
        ("auth_required", False),
        ("libraries", ["sample"]),
    ]:
        response = plain.put("/api/services/open-svc", json=body | {field: value})
        assert_forbidden(response)
        assert field in response.json()["detail"]
    assert admin.get("/api/services/open-svc").json()["addresses"] == ["127.0.0.1:9001"]
    denied = admin.get("/api/audit", params={"action": "denied", "actor": PLAIN_USER}).json()
    assert denied["total"] == 4
    assert denied["items"][0]["outcome"] == "denied"


def test_write_on_a_definition_does_not_change_what_runs(
    admin: httpx.Client, plain: httpx.Client
) -> None:
    grant(admin, "server_definition", "appsrv", "write")
    tuned = DEFINITION | {"pool": {"max_servers": 8}, "description": "bigger pool"}
    assert plain.put("/api/server-definitions/appsrv", json=tuned).status_code == 200
    for field, value in [
        ("command", ["/bin/sh", "-c", "id"]),
        ("name", "renamed-def"),
        ("kind", "runner"),
        ("environment", {"LD_PRELOAD": "/tmp/x.so"}),
        ("run_as_client", True),
        ("working_dir", "/"),
    ]:
        response = plain.put("/api/server-definitions/appsrv", json=tuned | {field: value})
        assert_forbidden(response)
        assert field in response.json()["detail"]
    stored = admin.get("/api/server-definitions/appsrv").json()
    assert (stored["command"], stored["pool"]["max_servers"]) == (DEFINITION["command"], 8)


def test_grants_go_with_a_deleted_resource(admin: httpx.Client, plain: httpx.Client) -> None:
    grant(admin, "service", "open-svc", "administer")
    assert plain.delete("/api/services/open-svc").status_code == 204
    assert admin.post("/api/services", json=service("open-svc")).status_code == 201
    # A new service of the same name starts without the old grants.
    assert_forbidden(plain.delete("/api/services/open-svc"))
    assert "open-svc" not in names(plain, "/api/services")


def test_a_host_that_runs_definitions_is_not_removed(admin: httpx.Client) -> None:
    bound = DEFINITION | {"name": "remote", "host": "node1"}
    assert admin.post("/api/server-definitions", json=bound).status_code == 201
    response = admin.delete("/api/hosts/node1")
    assert response.status_code == 409
    assert "remote" in response.json()["detail"]
