"""The servers of pool services come from the host's spawner (real ``baton serve``, real servers).

``baton serve`` leases each pool slot's server from its own supervisor, through a plan derived
for the service (``appserver.t``): operators see and stop them, the supervisor launches them
under the definition's launch account, and a server accepts only connections that show a
ticket of a lease on it.
"""

from __future__ import annotations

import os
import pwd
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgpack
import pytest

import baton
from baton.registry import credentials, definitions, libraries, services
from baton.registry.enums import ServerKind, ServiceKind
from baton.registry.specs import ServerDefinitionSpec, ServiceSettings, ServiceSpec
from baton.registry.vault import Vault
from tests.broker.conftest import Dispatcher
from tests.osusers import throwaway_user


def _servers(admin: httpx.Client, definition: str) -> list[dict[str, object]]:
    answer = admin.get("/api/operator/servers", params={"definition": definition})
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def _until(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"not true within {seconds} s: {condition}")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_pool_server_is_supervised_and_shown_to_operators(dispatcher: Dispatcher) -> None:
    with dispatcher.admin() as admin:
        pid = int(dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="t").text)
        servers = _servers(admin, "appserver.t")
        assert [(s["pid"], s["state"], s["clients"]) for s in servers] == [(pid, "RUNNING", 1)]
        named = {d["name"]: d for d in admin.get("/api/operator/definitions").json()}
        assert named["appserver.t"]["service"] == "t"
        assert named["appserver"]["service"] is None


def test_an_operator_kill_is_seen_by_the_pool_which_starts_another(dispatcher: Dispatcher) -> None:
    with dispatcher.admin() as admin:
        pid = int(dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="t").text)
        (server,) = _servers(admin, "appserver.t")
        assert admin.post("/api/operator/session", json={}).status_code == 200
        killed = admin.post(f"/api/operator/servers/{server['id']}/kill")
        assert killed.status_code == 200, killed.text
        assert killed.json()["exit_status"] == -9
        assert _gone(pid)
        answers: list[str] = []

        def served_by_another() -> bool:
            answer = dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="t")
            answers.append(answer.text[:80])
            return answer.status_code == 200 and int(answer.text) != pid

        _until(served_by_another)
        (replacement,) = [s for s in _servers(admin, "appserver.t") if s["state"] == "RUNNING"]
        assert replacement["id"] != server["id"]


def test_a_deleted_service_s_servers_stop(dispatcher: Dispatcher) -> None:
    with dispatcher.admin() as admin:
        pid = int(dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="pub").text)
        assert admin.delete("/api/services/pub").status_code == 204
        # The broker sees the change at its next look at the service (dispatcher.refresh_seconds).
        _until(
            lambda: dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="pub").status_code == 404
        )
        _until(lambda: _gone(pid))
        _until(lambda: not _servers(admin, "appserver.pub"))


def _frame(body: dict[str, object]) -> bytes:
    data = msgpack.packb({"version": 1, **body})
    return struct.pack(">I", len(data)) + data


def _read_frame(connection: socket.socket) -> dict[str, object]:
    head = b""
    while len(head) < 4:
        chunk = connection.recv(4 - len(head))
        assert chunk, "the server closed the connection before answering"
        head += chunk
    (length,) = struct.unpack(">I", head)
    body = b""
    while len(body) < length:
        chunk = connection.recv(length - len(body))
        assert chunk
        body += chunk
    return dict(msgpack.unpackb(body))


def test_a_supervised_server_refuses_a_connection_without_a_ticket(dispatcher: Dispatcher) -> None:
    with dispatcher.admin() as admin:
        assert dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="t").status_code == 200
        (server,) = _servers(admin, "appserver.t")
        address = str(server["address"])
        host, _, port = address.removeprefix("tcp:").rpartition(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(_frame({"kind": "PING"}))
            answer = _read_frame(connection)
            assert answer["kind"] == "ERROR" and answer["code"] == "refused"
            assert connection.recv(1) == b""  # closed
        # The broker, which holds a lease, still gets through.
        assert dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="t").status_code == 200


# --- launch accounts ------------------------------------------------------------------------

USER_PROGRAM = """
import os

def main() -> dict:
    return {"uid": os.getuid(), "key": os.environ.get("BATON_SERVER_KEY")}
"""


def _readable_by_everyone(path: Path) -> bool:
    """Whether every folder up to ``path`` lets other users in."""
    return all(part.stat().st_mode & 0o001 for part in [path, *path.parents])


@pytest.fixture
def shared_library() -> Iterator[Path]:
    """A program library other users may read (pytest's folders are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="baton-lib-"))
    folder.chmod(0o755)
    program = folder / "whoami.py"
    program.write_text(USER_PROGRAM.lstrip())
    program.chmod(0o644)
    yield folder
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()


def test_a_pool_server_runs_as_its_definition_s_launch_account(
    dispatcher: Dispatcher, shared_library: Path
) -> None:
    """The definition runs the system's Python 3 (ours may sit in root's home) on this
    checkout's sources and the virtual environment's packages, which must be readable."""
    source = Path(baton.__file__).resolve().parents[1]
    packages = Path(msgpack.__file__).resolve().parents[1]
    system = Path("/usr/bin/python3")
    if not system.exists() or not all(map(_readable_by_everyone, (source, packages))):
        pytest.skip("other users cannot run this checkout (its folders are not readable)")
    if sys.version_info[:2] != (3, 11) and "3.11" not in packages.as_posix():
        pytest.skip("the system's Python must match the virtual environment's")
    installation = dispatcher.installation
    with throwaway_user("servers under a launch account") as (user, password):
        with (
            Vault.using(installation.settings.key_path) as vault,
            installation.database.session() as session,
        ):
            credentials.create_credential(session, vault, "runner", username=user, secret=password)
            definitions.create_definition(
                session,
                ServerDefinitionSpec(
                    name="asuser",
                    kind=ServerKind.APPLICATION,
                    command=[str(system), "-m", "baton.appserver", "--listen", "tcp:{host}:{port}"],
                    environment={"PYTHONPATH": f"{source}:{packages}"},
                    credential="runner",
                ),
            )
            libraries.create_library(session, "shared", str(shared_library))
            services.create_service(
                session,
                ServiceSpec(
                    name="mine",
                    kind=ServiceKind.POOL,
                    server_definition="asuser",
                    libraries=["shared"],
                    settings=ServiceSettings(max_servers=1),
                ),
            )
        with dispatcher.admin() as admin:
            answer = admin.get("/broker", params={"_SERVICE": "mine", "_PROGRAM": "shared.whoami"})
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"uid": pwd.getpwnam(user).pw_uid, "key": None}
            (server,) = _servers(admin, "asuser.mine")
            assert Path(f"/proc/{server['pid']}").stat().st_uid == answer.json()["uid"]
            assert admin.delete("/api/services/mine").status_code == 204
            params = {"_SERVICE": "mine", "_PROGRAM": "shared.whoami"}
            _until(lambda: admin.get("/broker", params=params).status_code == 404)
            _until(lambda: _gone(int(server["pid"])))  # before its user goes
