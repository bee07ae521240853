"""Workspace kernels on another host: a second ``baton spawner``, started on this machine as if
it were another host (its own port and state folder), joins the control plane with its host
token; ``POST /api/workspaces`` with a definition bound to it has that spawner start the
kernel, to which a Jupyter client (jupyter_client's ``BlockingKernelClient``, given only the
connection info the API returned) connects and runs code. The kernels are that spawner's
children; deleting one stops its process, that host culls its idle ones, and a host that went
away is a 503 naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from baton.api.app import create_app
from baton.registry import access, definitions, hosts, users
from baton.registry.enums import Action, AuditOutcome, PrincipalKind, ResourceKind, ServerKind
from baton.registry.specs import PoolSettings, ServerDefinitionSpec
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer, serve
from tests.appserver.serverprocess import PATIENCE, pid_gone, wait_for
from tests.conftest import Installation, sqlite_copy
from tests.spawner.test_kernel import run_code
from tests.spawner.test_remote import host_spawner, parent_of, ready

pytestmark = pytest.mark.usefixtures("libuv_ready")

OTHER_USER, OTHER_PASSWORD = "other", "other-password-1"


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: this is about processes."""
    return sqlite_copy(tmp_path, sqlite_template)


def define(installation: Installation, folder: Path, name: str, **changes: Any) -> None:
    """A workspace definition bound to host ``h2`` that the plain and the other user may run
    (IPython's files in ``folder``)."""
    spec = ServerDefinitionSpec(
        name=name,
        kind=ServerKind.WORKSPACE,
        command=["{python}", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        environment={"IPYTHONDIR": str(folder / "ipython")},
        host="h2",
        **changes,
    )
    with installation.database.session() as session:
        definitions.create_definition(session, spec)
        for user in (PLAIN_USER, OTHER_USER):
            access.grant(
                session,
                PrincipalKind.USER,
                user,
                ResourceKind.SERVER_DEFINITION,
                name,
                Action.RUN,
                granted_by="test",
            )


@pytest.fixture
def token(installation: Installation) -> str:
    """Host ``h2``'s token; the plain and the other user."""
    with installation.database.session() as session:
        users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
        users.create_user(session, OTHER_USER, password=OTHER_PASSWORD)
        return hosts.create_host(session, "h2").token


def joined(app: Any) -> None:
    wait_for(lambda: bool(app.state.hosts.all()), "the host to join", timeout=PATIENCE * 3)


def error(response: httpx.Response, status: int) -> tuple[str, str]:
    """The error code and sentence of an answer that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()["error"], str(response.json()["detail"])


def execute(client: httpx.Client, kernel: str, code: str, timeout: float = 30) -> dict[str, Any]:
    answer = client.post(
        f"/api/workspaces/{kernel}/execute", json={"code": code, "timeout": timeout}
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_jupyter_client_runs_code_in_a_kernel_started_on_another_hosts_spawner(
    installation: Installation, token: str, tmp_path: Path
) -> None:
    define(installation, tmp_path, "far")
    app = create_app(installation.settings, installation.database)
    home = tmp_path / "h2"
    with serve(app) as url:
        live = LiveServer(url, installation)
        with live.plain() as plain:
            # Before the host joined: a clear 503 naming it.
            code, detail = error(plain.post("/api/workspaces", json={"definition": "far"}), 503)
            assert code == "host_unavailable" and "host 'h2'" in detail

        with host_spawner(home, url, token) as spawner:
            ready(spawner)
            joined(app)
            with live.plain() as plain, live.client(OTHER_USER, OTHER_PASSWORD) as other:
                started = plain.post("/api/workspaces", json={"definition": "far"})
                assert started.status_code == 201, started.text
                workspace = started.json()
                kernel, pid, connection = workspace["id"], workspace["pid"], workspace["connection"]
                assert workspace["host"] == "h2" and workspace["state"] == "RUNNING"
                assert parent_of(pid) == spawner.pid  # the other host's spawner started it
                assert connection["ip"] == "127.0.0.1"  # that host's address, as it joined
                assert run_code(connection, "print(40 + 2)") == "42\n"
                assert run_code(connection, "import os; os.getpid()") == str(pid)

                [listed] = plain.get("/api/workspaces").json()
                assert listed["id"] == kernel and listed["host"] == "h2"
                assert listed["connection"] == connection
                assert plain.get(f"/api/workspaces/{kernel}").json()["pid"] == pid
                # The console runs code there too, timeouts included.
                assert execute(plain, kernel, "x = 41")["status"] == "ok"
                answer = execute(plain, kernel, "x + 1")
                assert answer["outputs"] == [{"type": "result", "data": {"text/plain": "42"}}]
                slow = execute(plain, kernel, "import time; time.sleep(60)", timeout=1)
                assert slow["status"] == "timeout"
                assert execute(plain, kernel, "1 / 0")["outputs"][0]["ename"] == "ZeroDivisionError"
                # Another user's kernel is not there for them.
                assert other.get("/api/workspaces").json() == []
                assert error(other.get(f"/api/workspaces/{kernel}"), 404)[0] == "not_found"
                ran = other.post(f"/api/workspaces/{kernel}/execute", json={"code": "1"})
                assert error(ran, 404)[0] == "not_found"
                assert error(other.delete(f"/api/workspaces/{kernel}"), 404)[0] == "not_found"

                assert plain.delete(f"/api/workspaces/{kernel}").status_code == 204
                assert pid_gone(pid)  # answered once the process is gone
                assert plain.get("/api/workspaces").json() == []
                assert error(plain.get(f"/api/workspaces/{kernel}"), 404)[0] == "not_found"

                # Killed with -9, the host's spawner leaves its kernel running: the kernel is
                # there but unreachable (503 naming the host); started again, it re-adopts it.
                kept = plain.post("/api/workspaces", json={"definition": "far"}).json()
                spawner.kill()
                spawner.wait(PATIENCE)
                assert not pid_gone(kept["pid"])
                code, detail = error(plain.get(f"/api/workspaces/{kept['id']}"), 503)
                assert code == "host_unavailable" and "host 'h2'" in detail
                ran = plain.post(f"/api/workspaces/{kept['id']}/execute", json={"code": "1"})
                assert error(ran, 503)[0] == "host_unavailable"
                assert plain.get("/api/workspaces").json() == []  # left out while away
                with host_spawner(home, url, token) as again:
                    ready(again)

                    def answers() -> bool:
                        shown = plain.get(f"/api/workspaces/{kept['id']}")
                        return shown.status_code == 200

                    wait_for(answers, "the restarted host's spawner", timeout=PATIENCE * 3)
                    assert run_code(kept["connection"], "print('still here')") == "still here\n"
                    assert execute(plain, kept["id"], "6 * 7")["status"] == "ok"
                # Its spawner stopped politely: the kernel stopped with it.
                wait_for(lambda: pid_gone(kept["pid"]), "the kernel to stop with its host")
    (start, *_) = live.audit("workspace.start", PLAIN_USER)
    assert start.outcome is AuditOutcome.OK and start.detail["host"] == "h2"
    (stop,) = live.audit("workspace.stop", PLAIN_USER)
    assert stop.detail == {
        "workspace": kernel,
        "owner": PLAIN_USER,
        "account": workspace["account"],
        "pid": pid,
        "host": "h2",
    }
    assert len(live.audit("workspace.execute", PLAIN_USER)) >= 5


def test_the_host_culls_its_idle_kernels_and_applies_the_account_rules(
    installation: Installation, token: str, tmp_path: Path
) -> None:
    define(installation, tmp_path, "brief", pool=PoolSettings(idle_timeout=1, max_servers=1))
    define(installation, tmp_path, "theirs", run_as_client=True)
    app = create_app(installation.settings, installation.database)
    with (
        serve(app) as url,
        host_spawner(tmp_path / "h2", url, token) as spawner,
    ):
        ready(spawner)
        joined(app)
        live = LiveServer(url, installation)
        with live.plain() as plain:
            # A local user has no OS account on that host to run a kernel as.
            refused = plain.post("/api/workspaces", json={"definition": "theirs"})
            code, detail = error(refused, 409)
            assert code == "launch_refused" and "host-authenticated" in detail
            workspace = plain.post("/api/workspaces", json={"definition": "brief"}).json()
            assert workspace["host"] == "h2"
            again = plain.post("/api/workspaces", json={"definition": "brief"})
            assert error(again, 409)[0] == "conflict"  # its pool.max_servers, per user
            wait_for(lambda: pid_gone(workspace["pid"]), "the idle kernel to be culled")
            wait_for(lambda: bool(live.audit("workspace.cull")), "the culling to be audited")
            assert plain.get("/api/workspaces").json() == []
        (culled,) = live.audit("workspace.cull", "spawner")
        assert culled.resource == "server_definition:brief"
        assert culled.detail["workspace"] == workspace["id"] and culled.detail["host"] == "h2"
        assert culled.detail["owner"] == PLAIN_USER and "idle" in culled.detail["problem"]
        (failed,) = live.audit("workspace.start", PLAIN_USER)[-1:]
        assert failed.outcome is AuditOutcome.FAILED and failed.resource.endswith("theirs")
