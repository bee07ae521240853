"""Workspaces at /api/workspaces: real Jupyter kernels started for signed-in users, real
Jupyter clients (jupyter_client's ``BlockingKernelClient``, given only the connection info the
API returned) running code in them, culling, limits, rights, re-adoption after a crash, and
(root only) a kernel run as a host-authenticated user's own OS account.

Kernels run as the test's own account unless a test says otherwise: as root (CI), that needs
``spawner.allow_root_servers``. IPython keeps its files in the test's folder, not in the
tester's home.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from baton.api.app import create_app
from baton.registry import access, definitions, tokens, users
from baton.registry.bootstrap import WORKSPACE_DEFINITION, initialise
from baton.registry.database import Database
from baton.registry.enums import (
    Action,
    AuditOutcome,
    AuthSource,
    PrincipalKind,
    ResourceKind,
    ServerKind,
)
from baton.registry.specs import PoolSettings, ServerDefinitionSpec
from baton.settings import load_settings
from baton.spawner import accounts
from baton.spawner.workspaces import shared_kernel_root
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer, serve
from tests.appserver.serverprocess import pid_gone, wait_for
from tests.conftest import ADMIN_PASSWORD, Installation, runners_on_demand
from tests.osusers import throwaway_user
from tests.spawner.children import live_children, nothing_left_behind  # noqa: F401 (a fixture)
from tests.spawner.test_kernel import python_for, run_code

pytestmark = pytest.mark.usefixtures("libuv_ready", "nothing_left_behind")

OTHER_USER = "other"
OTHER_PASSWORD = "other-password-1"
#: The workspace definition the tests start kernels of.
DEFINITION = "ws"
CONNECTION_KEYS = {
    "ip",
    "transport",
    "shell_port",
    "iopub_port",
    "stdin_port",
    "control_port",
    "hb_port",
    "key",
    "signature_scheme",
    "kernel_name",
}


def spawner_settings() -> dict[str, Any]:
    # As root (CI) the kernels of definitions without an account run as root: allowed here.
    return {"allow_root_servers": os.geteuid() == 0, "tick_seconds": 0.05, "stop_grace": 5.0}


@pytest.fixture
def installation(tmp_path: Path, sqlite_template: Path) -> Iterator[Installation]:
    """SQLite only (kernels are processes, not registry rows); host sign-in through PAM on."""
    path = tmp_path / "registry.db"
    shutil.copyfile(sqlite_template, path)
    settings = load_settings(
        tmp_path / "home",
        environ={},
        database_url=f"sqlite:///{path}",
        admin_password=ADMIN_PASSWORD,
        spawner=spawner_settings(),
        auth={"pam_enabled": True},
    )
    database = Database(settings.registry_url)
    initialise(settings, database=database)
    runners_on_demand(database)
    with database.session() as session:
        users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
        users.create_user(session, OTHER_USER, password=OTHER_PASSWORD)
    yield Installation(settings=settings, database=database)
    database.dispose()


@pytest.fixture
def server_loop() -> str:
    """The control plane's event loop: as ``baton serve`` (uvloop when installed)."""
    return "auto"


@pytest.fixture
def live(installation: Installation, server_loop: str) -> Iterator[LiveServer]:
    """A control plane serving ``installation`` (its users are made above)."""
    app = create_app(installation.settings, installation.database)
    with serve(app, loop=server_loop) as url:
        yield LiveServer(url, installation)


def workspace_definition(
    folder: Path,
    name: str = DEFINITION,
    *,
    command: list[str] | None = None,
    environment: dict[str, str] | None = None,
    **changes: Any,
) -> ServerDefinitionSpec:
    """A workspace definition whose kernels keep IPython's files in ``folder``."""
    return ServerDefinitionSpec(
        name=name,
        kind=ServerKind.WORKSPACE,
        command=command or ["{python}", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        environment={"IPYTHONDIR": str(folder / "ipython"), **(environment or {})},
        **changes,
    )


def add_definition(
    installation: Installation, spec: ServerDefinitionSpec, *, runners: tuple[str, ...] = ()
) -> None:
    """Create ``spec`` and grant ``run`` on it to each of ``runners``."""
    with installation.database.session() as session:
        definitions.create_definition(session, spec)
        for user in runners:
            access.grant(
                session,
                PrincipalKind.USER,
                user,
                ResourceKind.SERVER_DEFINITION,
                spec.name,
                Action.RUN,
                granted_by="test",
            )


@pytest.fixture
def ws(installation: Installation, tmp_path: Path) -> str:
    """The ``ws`` definition, which the plain and the other user may run."""
    add_definition(installation, workspace_definition(tmp_path), runners=(PLAIN_USER, OTHER_USER))
    return DEFINITION


def other(live: LiveServer) -> httpx.Client:
    return live.client(OTHER_USER, OTHER_PASSWORD)


def start(client: httpx.Client, definition: str | None = DEFINITION) -> dict[str, Any]:
    """Start a kernel; its workspace."""
    body = {"definition": definition} if definition is not None else {}
    response = client.post("/api/workspaces", json=body)
    assert response.status_code == 201, response.text
    workspace: dict[str, Any] = response.json()
    return workspace


def ids(client: httpx.Client) -> list[str]:
    response = client.get("/api/workspaces")
    assert response.status_code == 200, response.text
    return [workspace["id"] for workspace in response.json()]


def error(response: httpx.Response, status: int) -> str:
    """The error code of an answer that must have ``status``."""
    assert response.status_code == status, response.text
    code: str = response.json()["error"]
    return code


# --- a kernel for a signed-in user ------------------------------------------------------------


def test_a_jupyter_client_runs_code_in_a_kernel_started_for_a_signed_in_user(
    live: LiveServer, ws: str
) -> None:
    with live.plain() as client:
        workspace = start(client, ws)
        connection = workspace["connection"]
        pid = workspace["pid"]
        assert set(connection) == CONNECTION_KEYS
        assert (connection["ip"], connection["transport"]) == ("127.0.0.1", "tcp")
        assert connection["signature_scheme"] == "hmac-sha256" and len(connection["key"]) == 64
        assert workspace["state"] == "RUNNING" and workspace["definition"] == ws
        assert workspace["account"] == accounts.current().name
        assert pid in live_children()

        assert run_code(connection, "print(40 + 2)") == "42\n"
        assert run_code(connection, "import os; os.getpid()") == str(pid)

        assert ids(client) == [workspace["id"]]
        shown = client.get(f"/api/workspaces/{workspace['id']}").json()
        assert shown["connection"] == connection and shown["execution_state"] == "idle"
        assert shown["last_activity"] >= workspace["created"]

        assert client.delete(f"/api/workspaces/{workspace['id']}").status_code == 204
        assert pid_gone(pid)
        assert ids(client) == []
        assert error(client.get(f"/api/workspaces/{workspace['id']}"), 404) == "not_found"
        assert error(client.delete(f"/api/workspaces/{workspace['id']}"), 404) == "not_found"
    (started,) = live.audit("workspace.start", PLAIN_USER)
    (stopped,) = live.audit("workspace.stop", PLAIN_USER)
    for event in (started, stopped):
        assert event.resource == f"server_definition:{ws}" and event.outcome is AuditOutcome.OK
        assert event.detail["workspace"] == workspace["id"] and event.detail["pid"] == pid


def test_users_see_and_stop_only_their_own_kernels(live: LiveServer, ws: str) -> None:
    with live.plain() as plain, other(live) as someone, live.admin() as admin:
        mine = start(plain, ws)
        theirs = start(someone, ws)
        # Administrators need no grant to start one; they too see only their own.
        admins = start(admin, ws)
        assert ids(plain) == [mine["id"]]
        assert ids(someone) == [theirs["id"]]
        assert ids(admin) == [admins["id"]]
        for client in (someone, admin):
            assert error(client.get(f"/api/workspaces/{mine['id']}"), 404) == "not_found"
            assert error(client.delete(f"/api/workspaces/{mine['id']}"), 404) == "not_found"
        assert not pid_gone(mine["pid"])
        assert run_code(mine["connection"], "'still here'") == "'still here'"
        assert plain.delete(f"/api/workspaces/{mine['id']}").status_code == 204
        assert ids(someone) == [theirs["id"]] and ids(admin) == [admins["id"]]
    # The others' kernels stop with the control plane (nothing_left_behind checks it).


def test_idle_kernels_are_culled_but_not_while_busy(
    live: LiveServer, installation: Installation, tmp_path: Path
) -> None:
    spec = workspace_definition(tmp_path, "brief", pool=PoolSettings(idle_timeout=1))
    add_definition(installation, spec, runners=(PLAIN_USER,))
    with live.plain() as client:
        workspace = start(client, "brief")
        # Busy for twice the idle timeout: a culler that counted it idle would kill it mid-way.
        code = "import time; time.sleep(2); print('done')"
        assert run_code(workspace["connection"], code) == "done\n"
        assert ids(client) == [workspace["id"]]
        wait_for(lambda: ids(client) == [], "the idle kernel to be culled")
    wait_for(lambda: pid_gone(workspace["pid"]), "the culled kernel to end")
    wait_for(lambda: bool(live.audit("workspace.cull")), "the culling to be audited")
    (culled,) = live.audit("workspace.cull", "spawner")
    assert culled.detail["owner"] == PLAIN_USER and culled.detail["workspace"] == workspace["id"]


def test_a_kernel_that_exits_on_its_own_is_no_longer_listed(live: LiveServer, ws: str) -> None:
    with live.plain() as client:
        workspace = start(client, ws)
        killed = f"import os, signal; os.kill({workspace['pid']}, signal.SIGKILL)"
        subprocess.run([sys.executable, "-c", killed], check=True)
        wait_for(lambda: ids(client) == [], "the dead kernel to leave the list")
    wait_for(lambda: bool(live.audit("workspace.exit")), "the exit to be audited")


def test_each_user_has_at_most_the_definitions_max_servers_kernels(
    live: LiveServer, installation: Installation, tmp_path: Path
) -> None:
    spec = workspace_definition(tmp_path, "single", pool=PoolSettings(max_servers=1))
    add_definition(installation, spec, runners=(PLAIN_USER, OTHER_USER))
    with live.plain() as plain, other(live) as someone:
        first = start(plain, "single")
        refused = plain.post("/api/workspaces", json={"definition": "single"})
        assert error(refused, 409) == "conflict"
        assert "max_servers" in refused.json()["detail"]
        start(someone, "single")  # the limit is per user
        assert plain.delete(f"/api/workspaces/{first['id']}").status_code == 204
        start(plain, "single")
    # Closing the control plane stops the kernels still running.


def test_running_a_workspace_needs_the_run_permission(
    live: LiveServer, installation: Installation, tmp_path: Path
) -> None:
    add_definition(installation, workspace_definition(tmp_path), runners=(OTHER_USER,))
    with live.plain() as client:
        named = client.post("/api/workspaces", json={"definition": DEFINITION})
        assert error(named, 403) == "forbidden"
        assert error(client.post("/api/workspaces", json={}), 403) == "forbidden"
        assert error(client.post("/api/workspaces"), 403) == "forbidden"
        # Nothing tells the plain user whether a definition it may not run exists.
        assert error(client.post("/api/workspaces", json={"definition": "nosuch"}), 403)
        assert ids(client) == []
    denied = live.audit("denied", PLAIN_USER)
    assert {event.resource for event in denied} == {
        f"server_definition {DEFINITION!r}",
        "server_definition 'nosuch'",
        "any workspace definition",
    }


def test_requests_that_cannot_start_a_kernel_say_why(
    live: LiveServer, installation: Installation, tmp_path: Path
) -> None:
    add_definition(
        installation,
        workspace_definition(tmp_path, "asclient", run_as_client=True),
        runners=(PLAIN_USER,),
    )
    add_definition(
        installation,
        workspace_definition(tmp_path, "off", enabled=False),
        runners=(PLAIN_USER,),
    )
    add_definition(
        installation,
        workspace_definition(tmp_path, "nofile", command=["{python}", "-m", "ipykernel_launcher"]),
        runners=(PLAIN_USER,),
    )
    with live.plain() as client:
        local = client.post("/api/workspaces", json={"definition": "asclient"})
        assert error(local, 409) == "launch_refused"
        assert "only host-authenticated users have one" in local.json()["detail"]
        disabled = client.post("/api/workspaces", json={"definition": "off"})
        assert error(disabled, 409) == "conflict" and "disabled" in disabled.json()["detail"]
        no_file = client.post("/api/workspaces", json={"definition": "nofile"})
        assert error(no_file, 409) == "conflict"
        assert "{connection_file}" in no_file.json()["detail"]
        # Without a name: not "asclient" (first by name) but one a local user can use.
        default = client.post("/api/workspaces", json={})
        assert error(default, 409) == "conflict" and "'nofile'" in default.json()["detail"]
        malformed = client.post("/api/workspaces", json={"definition": "../etc"})
        assert error(malformed, 422) == "invalid_request"
        assert ids(client) == []
    with live.admin() as admin:
        application = admin.post("/api/workspaces", json={"definition": "appserver"})
        assert error(application, 400) == "invalid_input"
        assert error(admin.post("/api/workspaces", json={"definition": "nosuch"}), 404)
        assert error(admin.get("/api/workspaces/nosuch"), 404) == "not_found"
    # A refused launch account is kept in the audit trail (a 403 too, as "denied").
    (failed,) = live.audit("workspace.start", PLAIN_USER)
    assert failed.outcome is AuditOutcome.FAILED and failed.resource == "server_definition:asclient"
    assert "host-authenticated" in failed.detail["problem"]


def test_baton_init_creates_a_disabled_workspace_definition_that_works_once_enabled(
    live: LiveServer, tmp_path: Path
) -> None:
    with live.admin() as admin:
        initial = admin.get(f"/api/server-definitions/{WORKSPACE_DEFINITION}").json()
        assert initial["kind"] == "workspace" and initial["enabled"] is False
        assert "{connection_file}" in initial["command"]
        assert error(admin.post("/api/workspaces", json={}), 409) == "conflict"
        fields = ("kind", "command", "pool", "run_as_client", "credential")
        enabled = {key: initial[key] for key in fields}
        enabled |= {"name": WORKSPACE_DEFINITION, "enabled": True}
        enabled["environment"] = {"IPYTHONDIR": str(tmp_path / "ipython")}
        changed = admin.put(f"/api/server-definitions/{WORKSPACE_DEFINITION}", json=enabled)
        assert changed.status_code == 200, changed.text
        workspace = start(admin, None)  # the first enabled one the caller may run
        assert workspace["definition"] == WORKSPACE_DEFINITION
        assert run_code(workspace["connection"], "print(40 + 2)") == "42\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="only a spawner that is not root refuses this")
def test_a_spawner_that_is_not_root_starts_kernels_as_itself_only(
    live: LiveServer, installation: Installation, tmp_path: Path
) -> None:
    account = next(
        (entry for entry in pwd.getpwall() if entry.pw_uid not in (0, os.geteuid())), None
    )
    if account is None or not account.pw_name.isalnum():
        pytest.skip("no other OS account with a plain name")
    with installation.database.session() as session:
        users.create_user(session, account.pw_name, password=None, auth_source=AuthSource.HOST)
        token = tokens.create_token(session, account.pw_name, "t", days=1, max_days=1).token
    add_definition(
        installation,
        workspace_definition(tmp_path, "theirs", run_as_client=True),
        runners=(account.pw_name,),
    )
    with live.bearer(token) as client:
        refused = client.post("/api/workspaces", json={"definition": "theirs"})
        assert error(refused, 409) == "launch_refused"
        assert "not as root" in refused.json()["detail"]


# --- running code through the API (the web client's console) ---------------------------------


def execute(
    client: httpx.Client, workspace_id: str, code: str, timeout: float | None = None
) -> dict[str, Any]:
    """Run ``code`` in a kernel through the API; the answer (which must be a 200)."""
    body: dict[str, Any] = {"code": code} | ({"timeout": timeout} if timeout is not None else {})
    response = client.post(f"/api/workspaces/{workspace_id}/execute", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_console_runs_code_in_a_kernel_that_keeps_its_state(live: LiveServer, ws: str) -> None:
    with live.plain() as client:
        workspace = start(client, ws)
        kernel = workspace["id"]
        first = execute(
            client, kernel, "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\n40 + 2"
        )
        assert first["status"] == "ok" and isinstance(first["execution_count"], int)
        assert first["outputs"] == [
            {"type": "stream", "name": "stdout", "text": "hello\n"},
            {"type": "stream", "name": "stderr", "text": "oops\n"},
            {"type": "result", "data": {"text/plain": "42"}},
        ]
        assert execute(client, kernel, "x = 1") == {
            "status": "ok",
            "execution_count": first["execution_count"] + 1,
            "outputs": [],
        }
        second = execute(client, kernel, "x + 1")
        assert second["outputs"] == [{"type": "result", "data": {"text/plain": "2"}}]
        shown = execute(
            client,
            kernel,
            "from IPython.display import HTML, JSON, display\n"
            "display(HTML('<b>hi</b>'))\ndisplay(JSON({'a': [1, 2]}))",
        )
        html, data = (output["data"] for output in shown["outputs"])
        assert [output["type"] for output in shown["outputs"]] == ["display", "display"]
        assert html["text/html"] == "<b>hi</b>" and "text/plain" in html
        assert json.loads(data["application/json"]) == {"a": [1, 2]}
        # The execution left the kernel as usable for any other Jupyter client.
        assert run_code(workspace["connection"], "x") == "1"
    executed = live.audit("workspace.execute", PLAIN_USER)
    assert len(executed) == 4
    for event in executed:
        assert event.resource == f"server_definition:{ws}" and event.outcome is AuditOutcome.OK
        assert event.detail["workspace"] == kernel and event.detail["status"] == "ok"
        assert "code" not in event.detail and "x + 1" not in json.dumps(event.detail)


def test_an_exception_answers_status_error_with_its_traceback(live: LiveServer, ws: str) -> None:
    with live.plain() as client:
        kernel = start(client, ws)["id"]
        answer = execute(client, kernel, "print('before')\n1 / 0")
        assert answer["status"] == "error"
        stream, failure = answer["outputs"]
        assert stream == {"type": "stream", "name": "stdout", "text": "before\n"}
        assert failure["type"] == "error" and failure["ename"] == "ZeroDivisionError"
        assert "division by zero" in failure["evalue"]
        assert failure["traceback"] and any("ZeroDivisionError" in t for t in failure["traceback"])
        assert not any("\x1b" in line for line in failure["traceback"])  # no ANSI colours
        # A failed cell does not stop the next one.
        assert execute(client, kernel, "'next'")["status"] == "ok"


def test_code_past_its_timeout_is_interrupted_and_the_kernel_takes_the_next(
    live: LiveServer, ws: str
) -> None:
    with live.plain() as client:
        workspace = start(client, ws)
        code = "import time\nprint('started', flush=True)\ntime.sleep(60)"
        began = time.monotonic()
        answer = execute(client, workspace["id"], code, timeout=1)
        assert time.monotonic() - began < 30
        assert answer["status"] == "timeout"
        assert answer["outputs"][0] == {"type": "stream", "name": "stdout", "text": "started\n"}
        after = execute(client, workspace["id"], "print('after')", timeout=10)
        assert after["status"] == "ok"
        assert after["outputs"] == [{"type": "stream", "name": "stdout", "text": "after\n"}]
        assert ids(client) == [workspace["id"]] and not pid_gone(workspace["pid"])
    (timed_out,) = [e for e in live.audit("workspace.execute") if e.detail["status"] == "timeout"]
    assert timed_out.actor == PLAIN_USER


def test_stream_output_is_cut_past_its_limit(live: LiveServer, ws: str) -> None:
    with live.plain() as client:
        kernel = start(client, ws)["id"]
        answer = execute(client, kernel, "print('x' * 1_200_000)")
        assert answer["status"] == "ok"
        printed, note = answer["outputs"]
        assert printed["name"] == "stdout" and printed["text"] == "x" * 1_000_000
        assert note["name"] == "stderr" and "the rest was cut" in note["text"]


def test_only_the_owner_of_a_running_kernel_runs_code_in_it(live: LiveServer, ws: str) -> None:
    with live.plain() as plain, other(live) as someone, live.admin() as admin:
        mine = start(plain, ws)
        for client in (someone, admin):  # another user's kernel is not there for them
            answer = client.post(f"/api/workspaces/{mine['id']}/execute", json={"code": "1"})
            assert error(answer, 404) == "not_found"
        unknown = plain.post("/api/workspaces/nosuch/execute", json={"code": "1"})
        assert error(unknown, 404) == "not_found"

        # A kernel still starting is not running: 409.
        with other(live) as starter, concurrent.futures.ThreadPoolExecutor(1) as pool:
            second = pool.submit(start, starter, ws)

            def starting() -> list[str]:
                kernels = someone.get("/api/workspaces").json()
                return [k["id"] for k in kernels if k["state"] == "STARTING"]

            wait_for(lambda: bool(starting()), "a kernel to be starting")
            [kernel] = starting()
            refused = someone.post(f"/api/workspaces/{kernel}/execute", json={"code": "1"})
            assert error(refused, 409) == "conflict"
            assert "not running" in refused.json()["detail"]
            assert second.result()["id"] == kernel
        assert execute(someone, kernel, "1 + 1")["outputs"][0]["data"] == {"text/plain": "2"}


#: Bodies of execute requests that are refused, and the field each names.
MALFORMED = [
    ({}, "body.code"),
    ({"code": ""}, "body.code"),
    ({"code": "x" * 100_001}, "body.code"),
    ({"code": 1}, "body.code"),
    ({"code": "1", "timeout": 0}, "body.timeout"),
    ({"code": "1", "timeout": 601}, "body.timeout"),
    ({"code": "1", "timeout": "soon"}, "body.timeout"),
    ({"code": "1", "cell": 3}, "body.cell"),
]


def test_a_malformed_execute_request_names_its_field(live: LiveServer, ws: str) -> None:
    with live.plain() as client:
        kernel = start(client, ws)["id"]
        for body, field in MALFORMED:
            answer = client.post(f"/api/workspaces/{kernel}/execute", json=body)
            assert error(answer, 422) == "invalid_request", body
            assert [problem["field"] for problem in answer.json()["detail"]] == [field]
        not_json = client.post(
            f"/api/workspaces/{kernel}/execute",
            content=b"{code",
            headers={"Content-Type": "application/json"},
        )
        assert error(not_json, 400) == "malformed_body"
        assert live.audit("workspace.execute") == []  # nothing ran


# --- a control plane killed and started again ---------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_restarted_control_plane_readopts_the_kernels(
    installation: Installation, ws: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "BATON_DATABASE_URL": installation.settings.registry_url,
        "BATON_SPAWNER__ALLOW_ROOT_SERVERS": str(os.geteuid() == 0).lower(),
    }
    home = str(installation.settings.home)
    command = [sys.executable, "-m", "baton", "--home", home, "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("w") as log:
        first = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    pid = None
    try:

        def answers() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return first.poll() is not None

        wait_for(answers, "the first control plane", timeout=30)
        assert first.poll() is None, (tmp_path / "serve.log").read_text()
        with httpx.Client(base_url=url, auth=(PLAIN_USER, PLAIN_PASSWORD), timeout=30) as client:
            workspace = start(client, ws)
        pid = workspace["pid"]
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert not pid_gone(pid)  # the kernel outlives the control plane that started it

        with serve(create_app(installation.settings, installation.database)) as second_url:
            second = LiveServer(second_url, installation)
            with second.plain() as client:
                (adopted,) = client.get("/api/workspaces").json()
                assert adopted["id"] == workspace["id"] and adopted["pid"] == pid
                assert adopted["connection"] == workspace["connection"]
                assert run_code(adopted["connection"], "print(40 + 2)") == "42\n"
                assert client.delete(f"/api/workspaces/{workspace['id']}").status_code == 204
            assert pid_gone(pid)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        if pid is not None and not pid_gone(pid):
            os.killpg(pid, signal.SIGKILL)


# --- a host-authenticated user's own account (root only) ------------------------------------


@pytest.fixture
def os_account() -> Iterator[tuple[str, str]]:
    """A throwaway OS user with a password (root only; CI runs as root)."""
    with throwaway_user("kernels of a host user's own account") as (name, password):
        try:
            yield name, password
        finally:
            shutil.rmtree(shared_kernel_root() / name, ignore_errors=True)


def process_ids(pid: int) -> tuple[int, int]:
    """The real uid and gid of process ``pid``."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    uid = next(line for line in status if line.startswith("Uid:")).split()[1]
    gid = next(line for line in status if line.startswith("Gid:")).split()[1]
    return int(uid), int(gid)


@pytest.mark.root
# On uvloop, as under `baton serve`, and on asyncio's own loop: they start children differently.
@pytest.mark.parametrize("server_loop", ["auto", "asyncio"])
def test_a_host_user_gets_a_kernel_that_runs_as_their_own_account(
    live: LiveServer, installation: Installation, os_account: tuple[str, str]
) -> None:
    name, password = os_account
    account = accounts.lookup(name)
    python, extra = python_for(account)  # an interpreter this account may run
    with installation.database.session() as session:
        users.create_user(session, name, password=None, auth_source=AuthSource.HOST)
    spec = ServerDefinitionSpec(
        name="own",
        kind=ServerKind.WORKSPACE,
        command=[python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        environment=extra,
        run_as_client=True,
    )
    add_definition(installation, spec, runners=(name, PLAIN_USER))

    with live.client(name, password) as client:  # signed in through PAM
        assert client.get("/api/me").json()["method"] == "host"
        workspace = start(client, None)  # "own": the only enabled one they may run
        pid = workspace["pid"]
        assert workspace["definition"] == "own" and workspace["account"] == name
        assert process_ids(pid) == (account.uid, account.gid)
        code = "import os; print(os.getuid(), os.getgid(), os.geteuid())"
        expected = f"{account.uid} {account.gid} {account.uid}\n"
        assert run_code(workspace["connection"], code) == expected
        folder = shared_kernel_root() / name
        assert folder.stat().st_uid == account.uid and folder.stat().st_mode & 0o777 == 0o700
        (connection_file,) = folder.glob("kernel-*.json")
        assert connection_file.stat().st_uid == account.uid
        with live.plain() as plain:  # a local user has no OS account to run it as
            refused = plain.post("/api/workspaces", json={"definition": "own"})
            assert error(refused, 409) == "launch_refused"
            assert error(plain.get(f"/api/workspaces/{workspace['id']}"), 404) == "not_found"
        assert client.delete(f"/api/workspaces/{workspace['id']}").status_code == 204
    assert pid_gone(pid)
    assert not connection_file.exists()
    # An interpreter the account cannot reach is refused up front, with the reason.
    if not accounts.can_execute(account, sys.executable):
        command = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        closed = spec.model_copy(update={"name": "closed", "command": command})
        add_definition(installation, closed, runners=(name,))
        with live.client(name, password) as client:
            refused = client.post("/api/workspaces", json={"definition": "closed"})
            assert error(refused, 409) == "launch_refused"
            assert "may not run" in refused.json()["detail"]
