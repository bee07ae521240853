"""A second spawner, started on this machine as if it were another host (its own port and
state folder), joins the control plane with its host token and serves a pool service's
servers; killed with -9 and started again, it re-adopts them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from baton.api.app import create_app
from baton.loadmanager.connection import ServerConnection
from baton.protocol import frames
from baton.protocol.tickets import Ticket, hello_for
from baton.registry import access, definitions, hosts, libraries, services, users
from baton.registry.enums import (
    Action,
    Balancing,
    PrincipalKind,
    ResourceKind,
    ServerKind,
    ServiceKind,
)
from baton.registry.specs import PoolSettings, ServerDefinitionSpec, ServiceSettings, ServiceSpec
from tests.api.conftest import PLAIN_PASSWORD, serve
from tests.appserver.serverprocess import PATIENCE, pid_gone
from tests.conftest import ADMIN_PASSWORD, Installation, sqlite_copy

BATON = str(Path(sys.executable).with_name("baton"))


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the registry's backends are tested elsewhere."""
    return sqlite_copy(tmp_path, sqlite_template)


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@contextmanager
def host_spawner(home: Path, control_plane: str, token: str) -> Iterator[subprocess.Popen[str]]:
    """``baton spawner`` as another host: its own home (state folder) and port."""
    environment = {
        **os.environ,
        "BATON_HOME": str(home),
        "BATON_SPAWNER__TOKEN": token,
        "BATON_SPAWNER__ALLOW_ROOT_SERVERS": "true",  # CI runs as root; no credential here
        "BATON_SPAWNER__TICK_SECONDS": "0.1",
        "BATON_SPAWNER__STOP_GRACE": "2",
    }
    process = subprocess.Popen(
        [BATON, "spawner", "--control-plane", control_plane, "--port", "0"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(PATIENCE * 2)
        for stream in (process.stdout, process.stderr):
            assert stream is not None
            stream.close()


def ready(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening tcp:"), line + (
        process.stderr.read() if process.stderr else ""
    )
    return line.strip()


def remote_pids(app: object, service: str = "remote") -> list[int]:
    pool = app.state.broker.manager.pools()[service]  # type: ignore[attr-defined]
    return sorted(s.spawner.pid for s in pool.servers if s.spawner and s.spawner.pid)


def appserver_command(sample: str) -> list[str]:
    """An application server serving the sample library (a host's own folder for it)."""
    return ["{python}", "-m", "baton.appserver", "--listen", "tcp:{host}:{port}"] + [
        "--library",
        f"sample={sample}",
    ]


def define_remote(installation: Installation) -> str:
    """Host ``h2``, its definition ``remote-app`` and the pool service ``remote``; the token."""
    with installation.database.session() as session:
        sample = libraries.get_library(session, "sample").path
        token = hosts.create_host(session, "h2").token
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name="remote-app",
                kind=ServerKind.APPLICATION,
                command=appserver_command(sample),
                host="h2",
                pool=PoolSettings(max_servers=2, max_clients=1, idle_timeout=0),
            ),
        )
        services.create_service(
            session,
            ServiceSpec(
                name="remote",
                kind=ServiceKind.POOL,
                server_definition="remote-app",
                libraries=["sample"],
            ),
        )
        services.create_service(
            session,
            ServiceSpec(
                name="later",
                kind=ServiceKind.POOL,
                server_definition="remote-app",
                libraries=["sample"],
            ),
        )
    return token


def test_a_second_spawner_serves_a_pool_through_the_control_plane(
    installation: Installation, tmp_path: Path
) -> None:
    token = define_remote(installation)
    app = create_app(installation.settings, installation.database)
    with serve(app) as url:
        admin = httpx.Client(base_url=url, auth=("admin", ADMIN_PASSWORD), timeout=30)
        with admin:
            # Before the host joined: a clear error naming the host.
            answer = admin.get("/broker", params={"_SERVICE": "remote", "_PROGRAM": "sample.hello"})
            assert answer.status_code >= 500 and "h2" in answer.text
            home = tmp_path / "h2"
            with host_spawner(home, url, token) as spawner:
                ready(spawner)
                deadline = time.monotonic() + PATIENCE
                while not app.state.hosts.all():
                    assert time.monotonic() < deadline, "the host did not join"
                    time.sleep(0.02)
                answer = admin.get(
                    "/broker",
                    params={"_SERVICE": "remote", "_PROGRAM": "sample.hello", "name": "Ada"},
                )
                assert answer.status_code == 200, answer.text
                assert "Ada" in answer.text
                [pid] = remote_pids(app)
                assert parent_of(pid) == spawner.pid  # the other host's spawner started it
                [host] = admin.get("/api/operator/hosts").json()
                assert host["name"] == "h2" and host["error"] == ""
                assert [(s["definition"], s["pid"], s["clients"]) for s in host["servers"]] == [
                    ("remote-app", pid, 1)
                ]

                # kill -9 and start again: the same server, re-adopted, keeps serving.
                spawner.kill()
                spawner.wait(PATIENCE)
                assert not pid_gone(pid)
                # The host is away: a pool that needs a new server there says so.
                answer = admin.get(
                    "/broker", params={"_SERVICE": "later", "_PROGRAM": "sample.hello"}
                )
                assert answer.status_code == 503
                assert "host &#x27;h2&#x27;" in answer.text or "host 'h2'" in answer.text
                assert "did not answer" in answer.text
                [host] = admin.get("/api/operator/hosts").json()
                assert host["servers"] == [] and host["error"]  # the operator sees it is away
                with host_spawner(home, url, token) as again:
                    ready(again)
                    answer = admin.get(
                        "/broker",
                        params={"_SERVICE": "remote", "_PROGRAM": "sample.hello", "name": "Bo"},
                    )
                    assert answer.status_code == 200 and "Bo" in answer.text
                    assert remote_pids(app) == [pid]
                # A polite stop of the host's spawner stops its servers.
                deadline = time.monotonic() + PATIENCE
                while not pid_gone(pid):
                    assert time.monotonic() < deadline, "the server outlived its spawner"
                    time.sleep(0.02)


def test_a_spawner_with_a_bad_token_is_refused(installation: Installation, tmp_path: Path) -> None:
    with installation.database.session() as session:
        token = hosts.create_host(session, "h2").token
        hosts.new_token(session, "h2")  # the first token is revoked
    app = create_app(installation.settings, installation.database)
    with serve(app) as url, host_spawner(tmp_path / "h2", url, token) as spawner:
        assert spawner.wait(PATIENCE) != 0
        assert spawner.stderr is not None
        assert "host token is wrong, revoked" in spawner.stderr.read()


def ping(address: str, hello: frames.Hello | None) -> str:
    """What a server answers a PING on a new connection opened with ``hello``."""

    async def exchange() -> str:
        connection = await ServerConnection.open(address, hello=hello)
        try:
            await connection.send(frames.Ping())
            answer = await asyncio.wait_for(connection.receive(), PATIENCE)
        finally:
            await connection.aclose()
        if isinstance(answer, frames.Error):
            return f"ERROR {answer.code}"
        return answer.kind.value

    return asyncio.run(exchange())


def test_users_ask_a_host_spawner_for_servers_with_their_own_credentials(
    installation: Installation, tmp_path: Path
) -> None:
    token = define_remote(installation)
    with installation.database.session() as session:
        users.create_user(session, "bo", password=PLAIN_PASSWORD)
        users.create_user(session, "cy", password=PLAIN_PASSWORD)
        access.grant(
            session,
            PrincipalKind.USER,
            "bo",
            ResourceKind.SERVER_DEFINITION,
            "remote-app",
            Action.RUN,
            granted_by="test",
        )
    app = create_app(installation.settings, installation.database)
    with serve(app) as url, host_spawner(tmp_path / "h2", url, token) as spawner:
        daemon = "http://" + ready(spawner).removeprefix("listening tcp:")
        ask = {"definition": "remote-app"}
        with httpx.Client(base_url=daemon, timeout=30) as client:
            assert client.post("/v1/leases", json=ask).status_code == 401
            wrong = client.post("/v1/leases", json=ask, auth=("bo", "wrong"))
            assert wrong.status_code == 401
            denied = client.post("/v1/leases", json=ask, auth=("cy", PLAIN_PASSWORD))
            assert denied.status_code == 403 and "remote-app" in denied.json()["detail"]
            assert client.get("/v1/servers", auth=("bo", PLAIN_PASSWORD)).status_code == 401
            given = client.post("/v1/leases", json=ask, auth=("bo", PLAIN_PASSWORD))
            assert given.status_code == 201, given.text
            lease = given.json()
            assert lease["address"].startswith("tcp:127.0.0.1:") and lease["pid"]
            assert parent_of(lease["pid"]) == spawner.pid
            mine = client.get(f"/v1/leases/{lease['lease']}", auth=("bo", PLAIN_PASSWORD))
            assert mine.status_code == 200 and mine.json()["clients"] == 1
            theirs = client.get(f"/v1/leases/{lease['lease']}", auth=("admin", ADMIN_PASSWORD))
            assert theirs.status_code == 404  # another user's lease is not there for them
            # The lease's ticket opens connections to the server; nothing else does.
            ticket = Ticket(**lease["ticket"])
            assert ticket.lease == lease["lease"] and not ticket.expiring()
            assert ping(lease["address"], hello_for(ticket)) == "PONG"
            assert ping(lease["address"], None) == "ERROR refused"
            forged = Ticket(ticket.lease, ticket.expires, "0" * 64)
            assert ping(lease["address"], hello_for(forged)) == "ERROR refused"
            renewed = client.post(
                f"/v1/leases/{lease['lease']}/ticket", auth=("bo", PLAIN_PASSWORD)
            )
            assert renewed.status_code == 200 and renewed.json()["expires"] >= ticket.expires
            assert ping(lease["address"], hello_for(Ticket(**renewed.json()))) == "PONG"
            stolen = client.post(
                f"/v1/leases/{lease['lease']}/ticket", auth=("admin", ADMIN_PASSWORD)
            )
            assert stolen.status_code == 404
            gone = client.delete(f"/v1/leases/{lease['lease']}", auth=("bo", PLAIN_PASSWORD))
            assert gone.status_code == 204
            unknown = client.post(
                "/v1/leases", json={"definition": "nothing"}, auth=("admin", ADMIN_PASSWORD)
            )
            assert unknown.status_code == 404
        # An operator kills the server on that host through the control plane.
        with httpx.Client(base_url=url, auth=("admin", ADMIN_PASSWORD), timeout=60) as admin:
            operator = f"/api/operator/hosts/h2/servers/{lease['server']}"
            killed = admin.post(f"{operator}/kill")
            assert killed.status_code == 200, killed.text
            assert killed.json() == {"server": lease["server"], "killed": True, "exit_status": -9}
            assert pid_gone(lease["pid"])
            assert admin.post(f"{operator}/kill").status_code == 404  # it is gone
            assert admin.post("/api/operator/hosts/h9/servers/x-1/stop").status_code == 404
            assert admin.post(f"{operator}/explode").status_code == 422


def test_a_definition_on_two_hosts_spreads_its_servers_by_host_totals(
    installation: Installation, tmp_path: Path
) -> None:
    """Two spawners as hosts ``h2`` and ``h3`` run one definition; a pool's two servers start
    at the same moment and land one on each (cost balancing on per-host totals); a request
    that holds a server shows in its host's totals."""
    with installation.database.session() as session:
        sample = libraries.get_library(session, "sample").path
        tokens = {name: hosts.create_host(session, name).token for name in ("h2", "h3")}
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name="spread",
                kind=ServerKind.APPLICATION,
                command=appserver_command(sample),
                hosts=["h2", "h3"],
                balancing=Balancing.COST,
                pool=PoolSettings(max_servers=2, max_clients=1, idle_timeout=0, cost_per_client=10),
            ),
        )
        services.create_service(
            session,
            ServiceSpec(
                name="both",
                kind=ServiceKind.POOL,
                server_definition="spread",
                libraries=["sample"],
                settings=ServiceSettings(min_servers=2, max_servers=2),
            ),
        )
    app = create_app(installation.settings, installation.database)
    with (
        serve(app) as url,
        host_spawner(tmp_path / "h2", url, tokens["h2"]) as h2,
        host_spawner(tmp_path / "h3", url, tokens["h3"]) as h3,
        httpx.Client(base_url=url, auth=("admin", ADMIN_PASSWORD), timeout=30) as admin,
    ):
        ready(h2), ready(h3)
        deadline = time.monotonic() + PATIENCE
        while len(app.state.hosts.all()) < 2:
            assert time.monotonic() < deadline, "the hosts did not join"
            time.sleep(0.02)
        params = {"_SERVICE": "both", "_PROGRAM": "sample.hello", "name": "Cy"}
        answer = admin.get("/broker", params=params)
        assert answer.status_code == 200 and "Cy" in answer.text

        def spread() -> dict[str, tuple[int, int, int]]:
            found = admin.get("/api/operator/hosts").json()
            return {h["name"]: (len(h["servers"]), h["clients"], h["cost"]) for h in found}

        deadline = time.monotonic() + PATIENCE
        while spread() != {"h2": (1, 1, 10), "h3": (1, 1, 10)}:
            assert time.monotonic() < deadline, f"not one server per host: {spread()}"
            time.sleep(0.1)
        parents = sorted(parent_of(pid) for pid in remote_pids(app, "both"))
        assert parents == sorted([h2.pid, h3.pid])
