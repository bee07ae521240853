"""The API's resources, created, read, changed and deleted through HTTP as the administrator.

Secrets (API tokens, host join tokens, stored credentials) appear once, in the answer that
creates them, or never; lists are paginated with a capped page size.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from baton.registry import credentials
from baton.registry.vault import Vault
from tests.api.conftest import PLAIN_USER, LiveServer

DEFINITION: dict[str, Any] = {
    "name": "appsrv",
    "kind": "application",
    "command": ["python", "-m", "baton.appserver", "--port", "{port}"],
    "port_min": 9100,
    "port_max": 9199,
}
SOCKET_SERVICE: dict[str, Any] = {
    "name": "sock",
    "kind": "socket",
    "addresses": ["127.0.0.1:9001", "[::1]:9002"],
}


@pytest.fixture
def admin(live: LiveServer) -> Iterator[httpx.Client]:
    """The administrator, signed in with an API token."""
    with live.admin() as client:
        token = client.post("/api/tokens", json={"name": "resources"}).json()["token"]
    with live.bearer(token) as client:
        yield client


def created(response: httpx.Response) -> Any:
    assert response.status_code == 201, response.text
    return response.json()


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


# Users, groups, roles


def test_users(live: LiveServer, admin: httpx.Client) -> None:
    body = {
        "name": "alice",
        "password": "alice-password",
        "display_name": "Alice",
        "email": "alice@example.org",
    }
    response = admin.post("/api/users", json=body)
    user = created(response)
    assert user["name"] == "alice"
    assert user["display_name"] == "Alice"
    assert user["auth_source"] == "local"
    assert user["disabled"] is False
    assert "alice-password" not in response.text
    assert "argon2" not in response.text
    assert ok(admin.get("/api/users/alice")) == user
    assert names(ok(admin.get("/api/users"))) == ["admin", "alice", PLAIN_USER]

    changed = ok(admin.patch("/api/users/alice", json={"email": "a@example.org"}))
    assert changed["email"] == "a@example.org"
    assert changed["display_name"] == "Alice"  # untouched when not given

    with live.client("alice", "alice-password") as client:
        assert ok(client.get("/api/me"))["user"]["name"] == "alice"
    assert admin.put(
        "/api/users/alice/password", json={"password": "new-password"}
    ).status_code == (204)
    with live.client("alice", "new-password") as client:
        assert client.get("/api/me").status_code == 200
    with live.client("alice", "alice-password") as client:
        assert client.get("/api/me").status_code == 401

    assert admin.delete("/api/users/alice").status_code == 204
    assert admin.get("/api/users/alice").status_code == 404
    actions = {event.action for event in live.audit("user.create")} | {
        event.action for event in live.audit("user.delete")
    }
    assert actions == {"user.create", "user.delete"}


def test_host_user_needs_no_password(admin: httpx.Client) -> None:
    user = created(admin.post("/api/users", json={"name": "hostie", "auth_source": "host"}))
    assert user["auth_source"] == "host"
    response = admin.put("/api/users/hostie/password", json={"password": "some-password"})
    assert response.status_code == 400
    assert "password" in response.json()["detail"]


def test_groups_and_members(live: LiveServer, admin: httpx.Client) -> None:
    group = created(admin.post("/api/groups", json={"name": "team", "description": "The team"}))
    assert group["members"] == []
    assert group["builtin"] is False
    assert ok(admin.put(f"/api/groups/team/members/{PLAIN_USER}"))["members"] == [PLAIN_USER]
    assert ok(admin.put(f"/api/groups/team/members/{PLAIN_USER}"))["members"] == [PLAIN_USER]
    assert ok(admin.put("/api/groups/team/members/admin"))["members"] == ["admin", PLAIN_USER]
    assert ok(admin.get(f"/api/users/{PLAIN_USER}"))["groups"] == ["team"]
    with live.plain() as client:
        assert "team" in ok(client.get("/api/me"))["groups"]
    listed = ok(admin.get("/api/groups"))
    assert names(listed) == ["AUTHENTICATED", "PUBLIC", "team"]
    assert [g["builtin"] for g in listed["items"]] == [True, True, False]

    assert ok(admin.delete(f"/api/groups/team/members/{PLAIN_USER}"))["members"] == ["admin"]
    assert admin.delete(f"/api/groups/team/members/{PLAIN_USER}").status_code == 404
    assert [e.detail for e in live.audit("group.add_member")][-1] == {"user": PLAIN_USER}

    assert admin.delete("/api/groups/team").status_code == 204
    assert admin.get("/api/groups/team").status_code == 404
    assert ok(admin.get("/api/users/admin"))["groups"] == []
    assert admin.delete("/api/groups/PUBLIC").status_code == 409
    assert admin.put(f"/api/groups/PUBLIC/members/{PLAIN_USER}").status_code == 409


def test_roles_and_holders(live: LiveServer, admin: httpx.Client) -> None:
    builtin = names(ok(admin.get("/api/roles")))
    assert {"admin", "operator", "designer", "analyst", "webuser"} <= set(builtin)

    role = created(
        admin.post("/api/roles", json={"name": "watcher", "capabilities": ["operate", "run_jobs"]})
    )
    assert role["capabilities"] == ["operate", "run_jobs"]
    assert role["builtin"] is False
    patched = ok(admin.patch("/api/roles/watcher", json={"capabilities": ["operate"]}))
    assert patched["capabilities"] == ["operate"]

    created(admin.post("/api/groups", json={"name": "ops"}))
    holder = {"principal_kind": "user", "principal": PLAIN_USER}
    assert ok(admin.post("/api/roles/watcher/holders", json=holder))["users"] == [PLAIN_USER]
    both = ok(
        admin.post(
            "/api/roles/watcher/holders", json={"principal_kind": "group", "principal": "ops"}
        )
    )
    assert both["users"] == [PLAIN_USER]
    assert both["groups"] == ["ops"]
    with live.plain() as client:
        # run_programs comes from the webuser role every signed-in user holds.
        assert ok(client.get("/api/me"))["capabilities"] == ["operate", "run_programs"]
    grants = [e for e in live.audit("grant") if e.resource == "role:watcher"]
    assert [e.detail["principal"] for e in grants] == ["group:ops", f"user:{PLAIN_USER}"]

    after = ok(admin.delete(f"/api/roles/watcher/holders/user/{PLAIN_USER}"))
    assert after["users"] == []
    assert after["groups"] == ["ops"]
    assert admin.delete(f"/api/roles/watcher/holders/user/{PLAIN_USER}").status_code == 404
    with live.plain() as client:
        assert ok(client.get("/api/me"))["capabilities"] == ["run_programs"]
    revokes = [e for e in live.audit("revoke") if e.resource == "role:watcher"]
    assert [e.detail["principal"] for e in revokes] == [f"user:{PLAIN_USER}"]

    assert admin.delete("/api/roles/watcher").status_code == 204
    assert admin.get("/api/roles/watcher").status_code == 404
    assert admin.delete("/api/roles/admin").status_code == 409
    assert admin.patch(
        "/api/roles/operator", json={"capabilities": ["administer"]}
    ).status_code == (409)
    assert admin.post("/api/roles", json={"name": "x", "capabilities": ["fly"]}).status_code == 422


# Permissions


def test_grant_list_revoke(live: LiveServer, admin: httpx.Client) -> None:
    created(admin.post("/api/services", json=SOCKET_SERVICE))
    grant = {
        "principal_kind": "user",
        "principal": PLAIN_USER,
        "resource_kind": "service",
        "resource_name": "sock",
        "action": "read",
    }
    permission = created(admin.post("/api/permissions", json=grant))
    assert {key: permission[key] for key in grant} == grant
    assert permission["granted_by"] == "admin"
    again = created(admin.post("/api/permissions", json=grant))
    assert again["id"] == permission["id"]  # idempotent

    services = ok(admin.get("/api/permissions", params={"resource_kind": "service"}))
    assert [p["id"] for p in services["items"]] == [permission["id"]]
    mine = ok(
        admin.get("/api/permissions", params={"principal_kind": "user", "holder": PLAIN_USER})
    )
    assert [p["id"] for p in mine["items"]] == [permission["id"]]
    everything = ok(admin.get("/api/permissions"))
    sample = {(p["principal"], p["resource_name"], p["action"]) for p in everything["items"]}
    assert ("AUTHENTICATED", "sample", "run") in sample
    assert everything["total"] == len(everything["items"]) == 3

    [granted, *_] = live.audit("grant")
    assert granted.resource == "service:sock"
    assert granted.detail == {"principal": f"user:{PLAIN_USER}", "permission": "read"}

    assert admin.delete(f"/api/permissions/{permission['id']}").status_code == 204
    assert ok(admin.get("/api/permissions", params={"resource_kind": "service"}))["items"] == []
    [revoked] = live.audit("revoke")
    assert revoked.resource == "service:sock"
    assert revoked.detail == {"principal": f"user:{PLAIN_USER}", "permission": "read"}
    assert revoked.actor == "admin"
    assert admin.delete(f"/api/permissions/{permission['id']}").status_code == 404


def test_grant_validates_the_resource_name(admin: httpx.Client) -> None:
    grant = {
        "principal_kind": "group",
        "principal": "AUTHENTICATED",
        "resource_kind": "program",
        "action": "run",
    }
    for name in ("sample.hello", "sample.*", "*"):
        created(admin.post("/api/permissions", json={**grant, "resource_name": name}))
    for name in ("../etc", "sample.", "a b", ".*"):
        response = admin.post("/api/permissions", json={**grant, "resource_name": name})
        assert response.status_code == 400, name
        assert response.json()["detail"].startswith("resource_name")


# Tokens


def test_tokens(live: LiveServer) -> None:
    with live.plain() as client:
        response = client.post("/api/tokens", json={"name": "laptop", "days": 7})
        issued = created(response)
        token, info = issued["token"], issued["info"]
        assert token.startswith("bt_")
        assert info["prefix"] == token[:10]
        assert info["user"] == PLAIN_USER
        assert info["revoked_at"] is None

        listing = client.get("/api/tokens")
        assert [t["id"] for t in ok(listing)["items"]] == [info["id"]]
        shown = client.get(f"/api/tokens/{info['id']}")
        assert ok(shown)["prefix"] == info["prefix"]
        for answer in (listing, shown):
            assert token not in answer.text
            assert token[10:] not in answer.text
            assert "token" not in answer.json().get("items", [answer.json()])[0]

        too_long = client.post("/api/tokens", json={"name": "forever", "days": 3650})
        assert too_long.status_code == 400
        assert "days" in too_long.json()["detail"]
        assert client.get("/api/tokens", params={"user": "admin"}).status_code == 403

    with live.admin() as admin:
        theirs = ok(admin.get("/api/tokens", params={"user": PLAIN_USER}))
        assert [t["id"] for t in theirs["items"]] == [info["id"]]
        admins = created(admin.post("/api/tokens", json={"name": "admins"}))["info"]["id"]
        assert ok(admin.get(f"/api/tokens/{info['id']}"))["user"] == PLAIN_USER

    with live.plain() as client:
        for method in ("GET", "DELETE"):
            response = client.request(method, f"/api/tokens/{admins}")
            assert response.status_code == 404
            assert response.json()["error"] == "not_found"
        assert [t["id"] for t in ok(client.get("/api/tokens"))["items"]] == [info["id"]]
    with live.admin() as admin:
        assert ok(admin.get(f"/api/tokens/{admins}"))["revoked_at"] is None


# Libraries


def test_libraries(live: LiveServer, admin: httpx.Client, tmp_path: Path) -> None:
    folder = tmp_path / "programs"
    folder.mkdir()
    library = created(admin.post("/api/libraries", json={"name": "mine", "path": str(folder)}))
    assert library["path"] == str(folder.resolve())
    assert ok(admin.get("/api/libraries/mine")) == library
    assert names(ok(admin.get("/api/libraries"))) == ["mine", "sample"]

    other = tmp_path / "other"
    other.mkdir()
    moved = ok(admin.patch("/api/libraries/mine", json={"path": str(other), "description": "d"}))
    assert moved["path"] == str(other.resolve())
    assert moved["description"] == "d"

    a_file = tmp_path / "file.py"
    a_file.write_text("")
    for path in ("relative/folder", str(tmp_path / "missing"), str(a_file), "~"):
        for response in (
            admin.post("/api/libraries", json={"name": "bad", "path": path}),
            admin.patch("/api/libraries/mine", json={"path": path}),
        ):
            assert response.status_code == 400, (path, response.text)
            assert response.json()["error"] == "invalid_input"
            assert response.json()["detail"].startswith("path")
    assert ok(admin.get("/api/libraries/mine"))["path"] == str(other.resolve())
    assert admin.get("/api/libraries/bad").status_code == 404

    assert admin.delete("/api/libraries/mine").status_code == 204
    assert admin.get("/api/libraries/mine").status_code == 404
    assert other.is_dir()  # the folder is left alone


# Server definitions and services


def test_server_definitions(live: LiveServer, admin: httpx.Client) -> None:
    definition = created(admin.post("/api/server-definitions", json=DEFINITION))
    assert definition["command"] == DEFINITION["command"]
    assert definition["pool"]["max_servers"] == 4  # defaults filled in
    assert definition["balancing"] == "least_busy"
    assert ok(admin.get("/api/server-definitions/appsrv")) == definition

    replaced = ok(
        admin.put(
            "/api/server-definitions/appsrv",
            json={**DEFINITION, "command": ["appsrv", "{port}"], "pool": {"max_servers": 2}},
        )
    )
    assert replaced["command"] == ["appsrv", "{port}"]
    assert replaced["pool"]["max_servers"] == 2
    assert replaced["id"] == definition["id"]

    created(
        admin.post(
            "/api/server-definitions",
            json={"name": "kernel", "kind": "workspace", "command": ["k"]},
        )
    )
    # "appserver", "runner" and "workspace" are the definitions `baton init` creates
    every = ["appserver", "appsrv", "kernel", "runner", "workspace"]
    assert names(ok(admin.get("/api/server-definitions"))) == every
    only = ok(admin.get("/api/server-definitions", params={"kind": "workspace"}))
    assert names(only) == ["kernel", "workspace"]

    invalid = [
        {**DEFINITION, "command": ["run", "{evil}"]},
        {**DEFINITION, "command": []},
        {**DEFINITION, "port_max": None},
        {**DEFINITION, "port_min": 9200},
        {**DEFINITION, "credential": "c", "run_as_client": True},
        {**DEFINITION, "environment": {"BAD NAME": "x"}},
        {**DEFINITION, "kind": "daemon"},
        {**DEFINITION, "shell": "sh -c"},
        {**DEFINITION, "pool": {"max_servers": 0}},
    ]
    for body in invalid:
        for response in (
            admin.post("/api/server-definitions", json={**body, "name": "broken"}),
            admin.put("/api/server-definitions/appsrv", json=body),
        ):
            assert response.status_code == 422, (body, response.text)
            assert response.json()["error"] == "invalid_request"
    assert admin.get("/api/server-definitions/broken").status_code == 404
    assert ok(admin.get("/api/server-definitions/appsrv")) == replaced

    assert admin.delete("/api/server-definitions/kernel").status_code == 204
    assert admin.get("/api/server-definitions/kernel").status_code == 404
    made = [e.resource for e in live.audit("definition.create", actor="admin")]
    assert made == ["server_definition:kernel", "server_definition:appsrv"]


def test_server_definitions_on_several_hosts(live: LiveServer, admin: httpx.Client) -> None:
    tokens = {
        name: created(admin.post("/api/hosts", json={"name": name}))["token"]
        for name in ("node1", "node2", "node3")
    }
    several = {**DEFINITION, "hosts": ["node2", "node1"]}
    definition = created(admin.post("/api/server-definitions", json=several))
    assert (definition["host"], definition["hosts"]) == ("node2", ["node2", "node1"])
    assert ok(admin.get("/api/server-definitions/appsrv")) == definition
    one = created(
        admin.post("/api/server-definitions", json={**DEFINITION, "name": "one", "host": "node3"})
    )
    assert (one["host"], one["hosts"]) == ("node3", ["node3"])
    (made,) = [e for e in live.audit("definition.create") if e.resource.endswith(":appsrv")]
    assert made.detail == {"hosts": ["node2", "node1"]}

    # Every host the definition lists gets it in its plans.
    def plans(host: str) -> list[str]:
        with live.bearer(tokens[host]) as spawner:
            answer = ok(spawner.get("/api/spawner/plans"))
        assert answer["host"] == host
        return [item["definition"]["name"] for item in answer["definitions"]]

    assert (plans("node1"), plans("node2"), plans("node3")) == (["appsrv"], ["appsrv"], ["one"])
    listed = {item["name"]: item for item in ok(admin.get("/api/server-definitions"))["items"]}
    assert listed["appsrv"]["hosts"] == ["node2", "node1"]
    assert (listed["appserver"]["host"], listed["appserver"]["hosts"]) == (None, [])

    replaced = ok(
        admin.put(
            "/api/server-definitions/appsrv", json={**DEFINITION, "hosts": ["node1", "node3"]}
        )
    )
    assert (replaced["host"], replaced["hosts"]) == ("node1", ["node1", "node3"])
    assert (plans("node1"), plans("node2"), plans("node3")) == (["appsrv"], [], ["appsrv", "one"])
    (changed,) = live.audit("definition.update")
    assert changed.detail == {"hosts": ["node1", "node3"]}

    # host is the first of hosts: given both, they must agree.
    for body in (
        {**DEFINITION, "host": "node3", "hosts": ["node1", "node3"]},
        {**DEFINITION, "host": None, "hosts": ["node1"]},
        {**DEFINITION, "hosts": ["node1", "node1"]},
        {**DEFINITION, "hosts": ["not a name"]},
    ):
        response = admin.put("/api/server-definitions/appsrv", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == "invalid_request"
    refused = admin.put(
        "/api/server-definitions/appsrv", json={**DEFINITION, "host": "node3", "hosts": ["node1"]}
    )
    assert "host 'node3' disagrees with hosts ['node1']" in refused.text
    for response in (
        admin.post("/api/server-definitions", json={**several, "name": "lost", "hosts": ["ghost"]}),
        admin.put(
            "/api/server-definitions/appsrv", json={**DEFINITION, "hosts": ["node1", "ghost"]}
        ),
        admin.put("/api/server-definitions/appsrv", json={**DEFINITION, "host": "ghost"}),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "not_found"
        assert "ghost" in response.json()["detail"]
    assert ok(admin.get("/api/server-definitions/appsrv")) == replaced
    assert admin.get("/api/server-definitions/lost").status_code == 404

    # A host still listed by a definition cannot go.
    in_use = admin.delete("/api/hosts/node3")
    assert in_use.status_code == 409, in_use.text
    assert "appsrv, one" in in_use.json()["detail"]
    assert admin.delete("/api/hosts/node2").status_code == 204
    ok(admin.put("/api/server-definitions/appsrv", json=DEFINITION))
    assert admin.delete("/api/server-definitions/one").status_code == 204
    assert admin.delete("/api/hosts/node3").status_code == 204


def test_services(live: LiveServer, admin: httpx.Client) -> None:
    created(admin.post("/api/server-definitions", json=DEFINITION))
    socket = created(admin.post("/api/services", json=SOCKET_SERVICE))
    assert socket["addresses"] == SOCKET_SERVICE["addresses"]
    assert socket["auth_required"] is True
    assert socket["debug_mask"] == 2
    pool = created(
        admin.post(
            "/api/services",
            json={
                "name": "pooled",
                "kind": "pool",
                "server_definition": "appsrv",
                "libraries": ["sample", "sample"],
                "settings": {"min_servers": 1, "max_servers": 3},
            },
        )
    )
    assert pool["server_definition"] == "appsrv"
    assert pool["libraries"] == ["sample"]
    assert pool["settings"]["max_servers"] == 3
    assert pool["settings"]["queue_timeout"] == 30
    assert ok(admin.get("/api/services/pooled")) == pool
    # "default" and "launch" are the services `baton init` creates
    assert names(ok(admin.get("/api/services"))) == ["default", "launch", "pooled", "sock"]

    renamed = ok(
        admin.put("/api/services/sock", json={**SOCKET_SERVICE, "name": "sock2", "enabled": False})
    )
    assert renamed["name"] == "sock2"
    assert renamed["enabled"] is False
    assert renamed["id"] == socket["id"]
    assert admin.get("/api/services/sock").status_code == 404

    invalid = [
        {"name": "p", "kind": "pool"},
        {"name": "s", "kind": "socket"},
        {"name": "s", "kind": "socket", "addresses": ["no-port"]},
        {"name": "s", "kind": "socket", "addresses": ["h:99999"]},
        {**SOCKET_SERVICE, "settings": {"min_servers": 5, "max_servers": 2}},
        {**SOCKET_SERVICE, "debug_mask": -1},
        {**SOCKET_SERVICE, "kind": "magic"},
        {**SOCKET_SERVICE, "program": "x"},
    ]
    for body in invalid:
        for response in (
            admin.post("/api/services", json=body),
            admin.put("/api/services/pooled", json=body),
        ):
            assert response.status_code == 422, (body, response.text)
            assert response.json()["error"] == "invalid_request"
    assert ok(admin.get("/api/services/pooled")) == pool

    # A definition in use cannot go; once its service is gone it can.
    in_use = admin.delete("/api/server-definitions/appsrv")
    assert in_use.status_code == 409
    assert "pooled" in in_use.json()["detail"]
    assert admin.delete("/api/services/pooled").status_code == 204
    assert admin.delete("/api/server-definitions/appsrv").status_code == 204
    assert [e.resource for e in live.audit("service.delete")] == ["service:pooled"]


# Hosts and credentials


def test_hosts(live: LiveServer, admin: httpx.Client) -> None:
    response = admin.post("/api/hosts", json={"name": "node1", "address": "10.0.0.5", "port": 7000})
    issued = created(response)
    token = issued["token"]
    assert len(token) > 30
    assert issued["host"]["has_token"] is True
    assert issued["host"]["port"] == 7000

    answers = [admin.get("/api/hosts/node1"), admin.get("/api/hosts")]
    answers.append(admin.patch("/api/hosts/node1", json={"enabled": False, "port": 7001}))
    for answer in answers:
        assert answer.status_code == 200
        assert token not in answer.text
        assert "token" not in answer.json().get("items", [answer.json()])[0]
    assert answers[-1].json()["enabled"] is False
    assert answers[-1].json()["port"] == 7001
    assert answers[-1].json()["address"] == "10.0.0.5"

    renewed = ok(admin.post("/api/hosts/node1/token"))
    assert renewed["token"] != token
    assert renewed["host"]["name"] == "node1"
    assert admin.post("/api/hosts", json={"name": "node2", "port": 0}).status_code == 422
    assert admin.delete("/api/hosts/node1").status_code == 204
    assert admin.get("/api/hosts/node1").status_code == 404
    assert [e.action for e in live.audit("host.token")] == ["host.token"]


def test_credentials_never_show_their_secret(live: LiveServer, admin: httpx.Client) -> None:
    secret = "Sup3r-S3cret-Value-That-Must-Not-Leak"
    newer = "An0ther-S3cret-That-Must-Not-Leak-Either"
    answers: list[httpx.Response] = []

    def keep(response: httpx.Response, status: int = 200) -> Any:
        answers.append(response)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    body = {"name": "runner", "username": "svcuser", "secret": secret, "description": "d"}
    record = keep(admin.post("/api/credentials", json=body), 201)
    assert record["username"] == "svcuser"
    assert record["algorithm"] == "aes-256-gcm"
    keep(admin.post("/api/credentials", json=body), 409)
    keep(admin.post("/api/credentials", json={**body, "name": "x", "extra": secret}), 422)
    keep(admin.get("/api/credentials/runner"))
    keep(admin.get("/api/credentials"))
    changed = keep(admin.patch("/api/credentials/runner", json={"secret": newer}))
    assert changed["updated_at"] >= record["updated_at"]
    keep(admin.patch("/api/credentials/runner", json={"username": "other"}))

    definition = {**DEFINITION, "credential": "runner"}
    keep(admin.post("/api/server-definitions", json=definition), 201)
    keep(admin.delete("/api/credentials/runner"), 409)
    keep(admin.get("/api/server-definitions/appsrv"))
    keep(admin.get("/api/audit", params={"limit": 500}))

    for answer in answers:
        assert secret not in answer.text, answer.request.url
        assert newer not in answer.text, answer.request.url

    vault = Vault.load(live.installation.settings.key_path)
    with live.installation.database.session() as session:
        assert credentials.reveal(session, vault, "runner") == ("other", newer)

    keep(admin.delete("/api/server-definitions/appsrv"), 204)
    keep(admin.delete("/api/credentials/runner"), 204)
    keep(admin.get("/api/credentials/runner"), 404)


# Pagination


def test_pagination(live: LiveServer, admin: httpx.Client) -> None:
    page_size = live.installation.settings.api.page_size
    for n in range(page_size + 5):
        created(admin.post("/api/groups", json={"name": f"g{n:03d}"}))
    total = page_size + 5 + 2  # and the two built-in groups

    first = ok(admin.get("/api/groups"))
    assert (first["limit"], first["offset"], first["total"]) == (page_size, 0, total)
    assert len(first["items"]) == page_size
    rest = ok(admin.get("/api/groups", params={"offset": page_size}))
    assert len(rest["items"]) == total - page_size
    everything = names(first) + names(rest)
    assert len(set(everything)) == total
    assert everything == sorted(everything)

    window = ok(admin.get("/api/groups", params={"limit": 10, "offset": 5}))
    assert names(window) == everything[5:15]
    assert window["total"] == total
    beyond = ok(admin.get("/api/groups", params={"offset": 1000}))
    assert beyond["items"] == []
    assert beyond["total"] == total

    max_size = live.installation.settings.api.max_page_size
    capped = ok(admin.get("/api/groups", params={"limit": max_size + 1}))
    assert capped["limit"] == max_size
    assert names(capped) == everything


def test_every_list_is_a_page(admin: httpx.Client) -> None:
    for path in (
        "/api/users",
        "/api/groups",
        "/api/roles",
        "/api/permissions",
        "/api/tokens",
        "/api/libraries",
        "/api/services",
        "/api/server-definitions",
        "/api/hosts",
        "/api/credentials",
        "/api/audit",
    ):
        page = ok(admin.get(path, params={"limit": 1}))
        assert set(page) == {"items", "total", "limit", "offset"}, path
        assert page["limit"] == 1
        assert len(page["items"]) == min(1, page["total"]), path
