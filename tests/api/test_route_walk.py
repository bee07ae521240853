"""Every /api route answers 401 without credentials and 403 without the right permission.

The routes come from the app's own OpenAPI document, so a new route that forgets its check
fails here. Routes any signed-in user may call (their own session, tokens and password) and
lists that filter by permission are named below, each with the reason.
"""

from __future__ import annotations

import re

import pytest

from baton.api.app import create_app
from tests.api.conftest import LiveServer
from tests.conftest import Installation

#: Reachable without credentials.
PUBLIC = {("POST", "/api/session")}

#: Reachable without user credentials: a webhook proves itself with its trigger's secret.
SIGNED = {("POST", "/api/hooks/{name}")}

#: Called by host spawners with their host token, never by users: a user's credentials, even
#: an administrator's, are refused there with 401 (checked below).
HOST_TOKEN = {
    ("POST", "/api/spawner/join"),
    ("GET", "/api/spawner/plans"),
    ("POST", "/api/spawner/authorize"),
    ("POST", "/api/spawner/workspaces/ended"),
}

#: Open to every signed-in user, because they act on the caller's own account.
SELF_SERVICE = {
    ("GET", "/api/me"),
    ("PUT", "/api/me/password"),
    ("DELETE", "/api/session"),
    ("GET", "/api/tokens"),
    ("POST", "/api/tokens"),
    ("GET", "/api/tokens/{token_id}"),
    ("DELETE", "/api/tokens/{token_id}"),
    # The caller's own kernels; anyone else's are 404 (starting one needs run: checked).
    ("GET", "/api/workspaces"),
    ("GET", "/api/workspaces/{workspace_id}"),
    ("DELETE", "/api/workspaces/{workspace_id}"),
    ("POST", "/api/workspaces/{workspace_id}/execute"),
}

#: Open to every signed-in user, but listing only the runs the caller may see (checked below).
RUN_LISTS = {
    ("GET", "/api/runs"),
    ("GET", "/api/runs/queue"),
}

#: A run, or a trigger, the caller may not see is a 404, as if it did not exist (checked below).
INVISIBLE = {
    ("GET", "/api/runs/{run_id}"),
    ("GET", "/api/runs/{run_id}/log"),
    ("POST", "/api/runs/{run_id}/cancel"),
    ("GET", "/api/triggers/{ref}"),
    ("PATCH", "/api/triggers/{ref}"),
    ("DELETE", "/api/triggers/{ref}"),
    ("POST", "/api/triggers/{ref}/rotate-secret"),
    ("GET", "/api/programs/{program}"),
}

#: Open to every signed-in user, listing only the programs the caller may run (every signed-in
#: user may run the sample library's; tests/api/test_programs.py checks the filter).
PROGRAM_LISTS = {("GET", "/api/programs")}

#: Open to every signed-in user: the documentation of job documents (schema, rules).
REFERENCE = {
    ("GET", "/api/jobs/schema"),
    ("GET", "/api/jobs/rules"),
}

#: Open to every signed-in user, but answer only what the caller may read (checked below).
FILTERED_LISTS = {
    ("GET", "/api/libraries"),
    ("GET", "/api/services"),
    ("GET", "/api/server-definitions"),
    ("GET", "/api/jobs"),
}


def api_routes(installation: Installation) -> list[tuple[str, str]]:
    """Every (method, path template) of /api in the app's own OpenAPI document."""
    paths = create_app(installation.settings, installation.database).openapi()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api")
        for method in operations
    ]


def concrete(path: str) -> str:
    """Fill path parameters with values that name nothing the plain user may touch."""
    path = re.sub(r"\{[a-z_]*id\}", "1", path)
    path = path.replace("{kind}", "user").replace("{program}", "nosuch.nosuch")
    return re.sub(r"\{[a-z_]+\}", "nosuch", path)


def test_the_walk_sees_every_router(installation: Installation) -> None:
    routes = api_routes(installation)
    prefixes = {path.split("/")[2] for _, path in routes}
    assert {
        "users",
        "groups",
        "roles",
        "permissions",
        "tokens",
        "credentials",
        "hosts",
        "jobs",
        "components",
    } <= prefixes
    assert len(routes) >= 40
    assert set(routes) >= PUBLIC | SELF_SERVICE | FILTERED_LISTS | REFERENCE | RUN_LISTS
    assert set(routes) >= PROGRAM_LISTS
    assert set(routes) >= SIGNED | INVISIBLE


def test_every_route_needs_credentials(live: LiveServer) -> None:
    failures = []
    with live.client() as client:
        for method, path in api_routes(live.installation):
            response = client.request(method, concrete(path), json={})
            expected = 401 if (method, path) not in PUBLIC else None
            if (method, path) in SIGNED:
                # A webhook is refused for its missing signature, not for missing credentials.
                assert response.status_code == 401
                assert "X-Baton-Signature" in response.json()["detail"]
                continue
            if expected is not None and response.status_code != expected:
                failures.append((method, path, response.status_code))
            if expected == 401:
                assert response.json()["error"] == "unauthenticated"
                assert "Basic" in response.headers["www-authenticate"]
    assert failures == []


def test_every_route_checks_permission(live: LiveServer) -> None:
    exempt = PUBLIC | SIGNED | SELF_SERVICE | FILTERED_LISTS | HOST_TOKEN | REFERENCE | RUN_LISTS
    exempt |= PROGRAM_LISTS
    failures = []
    with live.plain() as client:
        for method, path in api_routes(live.installation):
            if (method, path) in exempt:
                continue
            response = client.request(method, concrete(path), json={})
            if (method, path) in INVISIBLE:
                if response.status_code != 404:
                    failures.append((method, path, response.status_code, response.text[:120]))
                continue
            if response.status_code != 403 or response.json()["error"] != "forbidden":
                failures.append((method, path, response.status_code, response.text[:120]))
    assert failures == []


@pytest.mark.parametrize(("method", "path"), sorted(HOST_TOKEN))
def test_host_token_routes_refuse_user_credentials(
    live: LiveServer, method: str, path: str
) -> None:
    with live.admin() as client:
        response = client.request(method, path, json={})
    assert response.status_code == 401
    assert "host token is required" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), sorted(FILTERED_LISTS))
def test_filtered_lists_show_only_what_is_granted(live: LiveServer, method: str, path: str) -> None:
    """The plain user may read the sample library (every signed-in user may) and nothing else."""
    with live.admin() as admin:
        job = admin.post("/api/jobs", json={"name": "secret-job"})
        assert job.status_code == 201, job.text
        created = admin.post(
            "/api/server-definitions",
            json={"name": "appsrv", "kind": "application", "command": ["true"]},
        )
        assert created.status_code == 201, created.text
        service = admin.post(
            "/api/services",
            json={"name": "secret-svc", "kind": "pool", "server_definition": "appsrv"},
        )
        assert service.status_code == 201, service.text
        everything = admin.request(method, path).json()
    with live.plain() as client:
        visible = client.request(method, path).json()
    names = {item["name"] for item in visible["items"]}
    assert everything["total"] >= 1
    assert names == ({"sample"} if path == "/api/libraries" else set())
    assert visible["total"] == len(names)


def test_self_service_routes_work_for_plain_user(live: LiveServer) -> None:
    with live.plain() as client:
        assert client.get("/api/me").json()["user"]["name"] == "plain"
        token = client.post("/api/tokens", json={"name": "mine"})
        assert token.status_code == 201
        token_id = token.json()["info"]["id"]
        assert client.get(f"/api/tokens/{token_id}").status_code == 200
        assert client.delete(f"/api/tokens/{token_id}").json()["revoked_at"] is not None
    with live.admin() as admin:
        theirs = admin.post("/api/tokens", json={"name": "admins"}).json()["info"]["id"]
    with live.plain() as client:
        # Another user's token is invisible, not merely forbidden.
        assert client.get(f"/api/tokens/{theirs}").status_code == 404
        assert client.delete(f"/api/tokens/{theirs}").status_code == 404
        assert client.get("/api/tokens", params={"user": "admin"}).status_code == 403


def test_unauthenticated_client_reaches_public_endpoints(live: LiveServer) -> None:
    with live.client() as client:
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/docs").status_code == 200
        assert client.get("/metrics").status_code == 401


def test_runs_of_jobs_the_caller_may_not_read_are_invisible(live: LiveServer) -> None:
    """The plain user sees no run of the admin's job: not listed, queued, shown or cancellable."""
    with live.admin() as admin:
        assert admin.post("/api/jobs", json={"name": "private", "nodes": []}).status_code == 201
        started = admin.post("/api/jobs/private/runs", json={})
        assert started.status_code == 201, started.text
        run_id = started.json()["id"]
        assert admin.get("/api/runs").json()["total"] == 1
    with live.plain() as client:
        assert client.get("/api/runs").json()["total"] == 0
        assert client.get("/api/runs/queue").json() == []
        for method, path in sorted(INVISIBLE):
            if "{run_id}" in path:
                answer = client.request(method, path.replace("{run_id}", str(run_id)), json={})
                assert answer.status_code == 404, (method, path, answer.text)
