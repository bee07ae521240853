"""The supervisor against real processes: floors, clients, crashes, backoff, flapping, stops,
recycling, idleness, refresh, and re-adoption by a new supervisor."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from baton.errors import DefinitionFailed, NotFound, ServerUnavailable, SpawnFailed
from baton.registry.enums import Balancing, ServerKind
from baton.registry.specs import PoolSettings
from baton.spawner.managed import ManagedServer
from baton.spawner.plan import ServerPlan
from baton.spawner.process import alive
from baton.spawner.states import ProcessState
from baton.spawner.supervisor import Supervisor, SupervisorConfig
from tests.appserver.serverprocess import PATIENCE, pid_gone

pytestmark = pytest.mark.anyio

#: A tiny server: listens on the port it is given, says so, accepts and closes connections.
#: Extra arguments make it misbehave.
TINY = """
    import signal, socket, sys, time
    port, actions = int(sys.argv[1]), sys.argv[2:]
    if "exit" in actions:
        sys.exit(3)
    if "garbage" in actions:
        print("\\x00\\xffnot what a server says", flush=True)
        sys.exit(4)
    if "hang" in actions:
        time.sleep(60)
    if "ignore-term" in actions:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen()
    print("listening tcp:127.0.0.1:%d" % server.getsockname()[1], flush=True)
    while True:
        connection, _ = server.accept()
        connection.close()
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    script = tmp_path / "tiny.py"
    script.write_text(textwrap.dedent(TINY))
    return script


def plan(tiny: Path, *actions: str, name: str = "tiny", **pool: object) -> ServerPlan:
    settings = {"idle_timeout": 0, "start_timeout": 5, "availability_timeout": 5, **pool}
    return ServerPlan(
        definition=name,
        kind=ServerKind.APPLICATION,
        command=(sys.executable, "-S", str(tiny), "{port}", *actions),
        pool=PoolSettings.model_validate(settings),
    )


def config(tmp_path: Path, **overrides: float) -> SupervisorConfig:
    values: dict[str, float] = {
        "tick": 0.02,
        "stop_grace": 2.0,
        "backoff": 0.05,
        "max_backoff": 0.2,
        "flap_restarts": 4,
        "flap_window": 30.0,
        **overrides,
    }
    return SupervisorConfig(
        state_file=tmp_path / "state" / "spawner.json",
        tick=values["tick"],
        stop_grace=values["stop_grace"],
        backoff=values["backoff"],
        max_backoff=values["max_backoff"],
        flap_restarts=int(values["flap_restarts"]),
        flap_window=values["flap_window"],
    )


@pytest.fixture
async def supervise(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Supervisor]]]:
    opened: list[Supervisor] = []

    async def start(*plans: ServerPlan, **overrides: float) -> Supervisor:
        supervisor = Supervisor(config(tmp_path, **overrides))
        await supervisor.open(plans)
        opened.append(supervisor)
        return supervisor

    yield start
    for supervisor in opened:
        await supervisor.aclose()


async def until(condition: Callable[[], bool], what: str, timeout: float = PATIENCE) -> None:
    loop = asyncio.get_running_loop()
    limit = loop.time() + timeout
    while not condition():
        if loop.time() > limit:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def running(supervisor: Supervisor, definition: str = "tiny") -> list[ManagedServer]:
    return [
        server
        for server in supervisor.definitions()[definition].servers.values()
        if server.state is ProcessState.RUNNING and not server.draining
    ]


def answers(address: str) -> bool:
    host, port = address.removeprefix("tcp:").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2):
        return True


async def test_start_size_servers_run_and_listen(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, start_size=2, max_servers=3))
    await until(lambda: len(running(supervisor)) == 2, "two servers")
    for server in running(supervisor):
        assert server.address is not None and answers(server.address)
        assert server.pid is not None and alive(server.pid)
    await asyncio.sleep(0.1)
    assert len(supervisor.servers()) == 2  # no more than asked for


async def test_a_client_starts_a_server_on_demand_and_waits_for_a_free_one(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, max_servers=1, max_clients=1, availability_timeout=0.5))
    assert supervisor.servers() == []
    first = await supervisor.acquire("tiny", client="ada")
    assert answers(first.address)
    with pytest.raises(ServerUnavailable, match="'tiny'.*0.5 s"):
        await supervisor.acquire("tiny")
    waiting = asyncio.create_task(supervisor.acquire("tiny", client="bob"))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    assert supervisor.release(first.id)
    second = await asyncio.wait_for(waiting, PATIENCE)
    assert second.server == first.server and second.client == "bob"
    assert not supervisor.release(first.id)  # a lease is released once
    with pytest.raises(NotFound):
        await supervisor.acquire("nothing")


async def test_least_busy_spreads_clients_and_min_available_keeps_one_ready(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, min_available=1, max_servers=3, max_clients=2))
    await until(lambda: len(running(supervisor)) == 1, "the available server")
    first = await supervisor.acquire("tiny")
    second = await supervisor.acquire("tiny")
    assert first.server == second.server  # two clients fit on one server
    await until(lambda: len(running(supervisor)) == 2, "a new available server")
    third = await supervisor.acquire("tiny")
    assert third.server != first.server


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [(Balancing.MRU, "same"), (Balancing.LRU, "other"), (Balancing.ROUND_ROBIN, "other")],
)
async def test_balancing_strategies(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path, strategy: Balancing, expected: str
) -> None:
    base = plan(tiny, start_size=2, max_servers=2, max_clients=4)
    supervisor = await supervise(ServerPlan(**{**base.__dict__, "balancing": strategy}))
    await until(lambda: len(running(supervisor)) == 2, "two servers")
    first = await supervisor.acquire("tiny")
    supervisor.release(first.id)
    second = await supervisor.acquire("tiny")
    assert (second.server == first.server) is (expected == "same")


async def test_a_killed_server_is_restarted_with_a_new_process(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, start_size=1, max_servers=1))
    await until(lambda: len(running(supervisor)) == 1, "the server")
    [server] = running(supervisor)
    old_pid = server.pid
    lease = await supervisor.acquire("tiny")
    assert old_pid is not None
    os.kill(old_pid, signal.SIGKILL)
    await until(lambda: server.state is ProcessState.BACKOFF, "the crash to be seen")
    assert server.exit_status == -signal.SIGKILL and "status -9" in server.problem
    await until(lambda: server.state is ProcessState.RUNNING, "the restart")
    assert server.pid != old_pid and server.address is not None and answers(server.address)
    assert not supervisor.release(lease.id)  # the crash ended the lease


async def test_flapping_marks_the_definition_failed_until_an_operator_resets_it(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, "exit", start_size=1, max_servers=1))
    run = supervisor.definitions()["tiny"]
    await until(lambda: bool(run.failed), "the definition to fail")
    assert "4 failures" in run.failed and "status 3" in run.failed
    assert [s.state for s in run.servers.values()] == [ProcessState.FAILED]
    with pytest.raises(DefinitionFailed, match="an operator must reset it"):
        await supervisor.acquire("tiny")
    await asyncio.sleep(0.2)
    assert len(run.restarts) == 4  # nothing restarts a FAILED definition
    supervisor.reset("tiny")
    assert not run.failed
    await until(lambda: bool(run.failed), "it to fail again after the reset")


@pytest.mark.parametrize(
    ("actions", "problem"),
    [
        (("hang",), "did not start within 0.3 s"),
        (("garbage",), "exited with status 4 first"),
    ],
)
async def test_a_start_that_hangs_or_babbles_backs_off(
    supervise: Callable[..., Awaitable[Supervisor]],
    tiny: Path,
    actions: tuple[str, ...],
    problem: str,
) -> None:
    supervisor = await supervise(
        plan(tiny, *actions, start_size=1, max_servers=1, start_timeout=0.3), backoff=5.0
    )
    run = supervisor.definitions()["tiny"]
    await until(
        lambda: any(s.state is ProcessState.BACKOFF for s in run.servers.values()), "a backoff"
    )
    [server] = run.servers.values()
    assert problem in server.problem
    assert server.failures == 1 and server.retry_at > asyncio.get_running_loop().time() - 1


async def test_a_missing_executable_is_a_clear_failure(
    supervise: Callable[..., Awaitable[Supervisor]], tmp_path: Path
) -> None:
    missing = ServerPlan(
        definition="tiny",
        kind=ServerKind.APPLICATION,
        command=(str(tmp_path / "no-such-program"), "{port}"),
        pool=PoolSettings(start_size=1, max_servers=1),
    )
    supervisor = await supervise(missing, backoff=5.0)
    run = supervisor.definitions()["tiny"]
    await until(lambda: any(s.problem for s in run.servers.values()), "the failure")
    [server] = run.servers.values()
    assert "is not an executable" in server.problem


async def test_a_refused_plan_never_starts(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    refused = ServerPlan(**{**plan(tiny, start_size=1).__dict__, "problem": "no such OS user"})
    supervisor = await supervise(refused)
    with pytest.raises(SpawnFailed, match="no such OS user"):
        await supervisor.acquire("tiny")
    await asyncio.sleep(0.1)
    assert supervisor.servers() == []  # not even the start_size floor


async def test_stopping_escalates_to_sigkill_after_the_grace_period(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(
        plan(tiny, "ignore-term", start_size=1, max_servers=1), stop_grace=0.3
    )
    await until(lambda: len(running(supervisor)) == 1, "the server")
    [server] = running(supervisor)
    pid = server.pid
    assert await supervisor.stop_server(server.id) == -signal.SIGKILL
    assert pid is not None and pid_gone(pid)
    assert server.state is ProcessState.STOPPED
    await until(lambda: len(running(supervisor)) == 1, "a replacement for the floor")


async def test_recycled_after_n_uses(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, start_size=1, max_servers=2, recycle_after=2))
    await until(lambda: len(running(supervisor)) == 1, "the server")
    [server] = running(supervisor)
    for _ in range(2):
        supervisor.release((await supervisor.acquire("tiny")).id)
    await until(lambda: server.state is ProcessState.STOPPED, "the recycle")
    await until(lambda: len(running(supervisor)) == 1, "the replacement")
    assert running(supervisor)[0].id != server.id


async def test_idle_servers_stop_above_the_floors(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, max_servers=2, idle_timeout=0.2))
    lease = await supervisor.acquire("tiny")
    await asyncio.sleep(0.4)
    assert len(running(supervisor)) == 1  # busy: not idle
    supervisor.release(lease.id)
    await until(lambda: supervisor.servers() == [], "the idle server to stop")


async def test_quiesce_and_pause(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(
        plan(tiny, start_size=1, max_servers=1, max_clients=2, availability_timeout=0.3)
    )
    await until(lambda: len(running(supervisor)) == 1, "the server")
    lease = await supervisor.acquire("tiny")
    supervisor.pause("tiny")
    with pytest.raises(ServerUnavailable):
        await supervisor.acquire("tiny")
    supervisor.pause("tiny", False)
    supervisor.release((await supervisor.acquire("tiny")).id)
    supervisor.quiesce("tiny")
    await asyncio.sleep(0.1)
    assert len(supervisor.servers()) == 1  # its client is still there
    supervisor.release(lease.id)
    await until(lambda: supervisor.servers() == [], "the quiesced server to stop")


async def test_refresh_replaces_servers_of_a_changed_definition(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, start_size=1, max_servers=2))
    await until(lambda: len(running(supervisor)) == 1, "the server")
    [old] = running(supervisor)
    lease = await supervisor.acquire("tiny")
    supervisor.refresh([plan(tiny, start_size=1, max_servers=2, max_clients=3)])
    await until(lambda: len(running(supervisor)) == 1 and running(supervisor)[0] is not old, "new")
    assert old.state is ProcessState.RUNNING and old.draining  # its client is still there
    supervisor.release(lease.id)
    await until(lambda: old.state is ProcessState.STOPPED, "the old server to stop")
    supervisor.refresh([])
    await until(lambda: supervisor.servers() == [], "a removed definition's servers to stop")


def start_host(state: Path, tiny: Path) -> tuple[subprocess.Popen[str], dict[str, int]]:
    """A supervisor in its own process (``tests.spawner.host``) and its servers' pids."""
    description = {
        "definition": "tiny",
        "command": [sys.executable, "-S", str(tiny), "{port}"],
        "pool": {"start_size": 2, "max_servers": 2, "idle_timeout": 0},
    }
    host = subprocess.Popen(
        [sys.executable, "-m", "tests.spawner.host", str(state), json.dumps(description)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert host.stdout is not None
    line = host.stdout.readline()
    assert line.startswith("ready "), line
    return host, json.loads(line.removeprefix("ready "))


async def test_a_spawner_killed_and_started_again_readopts_its_servers(
    tmp_path: Path, tiny: Path
) -> None:
    state = tmp_path / "state" / "spawner.json"
    first, pids = start_host(state, tiny)
    try:
        first.kill()  # kill -9: no chance to stop its servers
        first.wait(PATIENCE)
    finally:
        first.stdout.close()  # type: ignore[union-attr]
    assert len(pids) == 2 and all(alive(pid) for pid in pids.values())
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    assert {entry["id"] for entry in json.loads(state.read_text())["servers"]} == set(pids)

    second, readopted = start_host(state, tiny)
    try:
        assert readopted == pids  # the same processes, no duplicates
    finally:
        second.terminate()  # a polite stop stops its servers
        assert second.wait(PATIENCE) == 0
        second.stdout.close()  # type: ignore[union-attr]
    await until(lambda: all(pid_gone(pid) for pid in pids.values()), "the servers to stop")
    assert json.loads(state.read_text())["servers"] == []


async def test_readoption_stops_servers_of_removed_or_changed_definitions(
    tmp_path: Path, tiny: Path
) -> None:
    state = tmp_path / "state" / "spawner.json"
    first, pids = start_host(state, tiny)
    first.kill()
    first.wait(PATIENCE)
    first.stdout.close()  # type: ignore[union-attr]
    second = Supervisor(config(tmp_path))
    await second.open([plan(tiny, start_size=0, max_servers=3)])  # a changed definition
    try:
        await until(lambda: all(pid_gone(pid) for pid in pids.values()), "the stale servers")
        assert second.servers() == []
    finally:
        await second.aclose()
    third_state = tmp_path / "third" / "state" / "spawner.json"
    third, pids = start_host(third_state, tiny)
    third.kill()
    third.wait(PATIENCE)
    third.stdout.close()  # type: ignore[union-attr]
    fourth = Supervisor(config(tmp_path / "third"))
    await fourth.open([])  # the definition is gone
    try:
        await until(lambda: all(pid_gone(pid) for pid in pids.values()), "the orphans to stop")
    finally:
        await fourth.aclose()


async def test_an_unreadable_state_file_is_ignored(tmp_path: Path, tiny: Path) -> None:
    state = tmp_path / "state" / "spawner.json"
    state.parent.mkdir()
    state.write_text("{not json")
    supervisor = Supervisor(config(tmp_path))
    await supervisor.open([plan(tiny, start_size=1)])
    try:
        await until(lambda: len(running(supervisor)) == 1, "the server")
    finally:
        await supervisor.aclose()
    assert json.loads(state.read_text())["servers"] == []


async def test_trace_keeps_the_decisions(
    supervise: Callable[..., Awaitable[Supervisor]], tiny: Path
) -> None:
    supervisor = await supervise(plan(tiny, max_servers=1))
    supervisor.set_trace(True)
    supervisor.release((await supervisor.acquire("tiny", client="ada")).id)
    supervisor.set_trace(False)
    text = "\n".join(supervisor.trace)
    assert "tiny-1: starting" in text and "given to ada" in text and "client ada left" in text
