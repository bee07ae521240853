"""``ServicePool`` with real servers: growth, reuse, the FIFO queue and its limits, recycling,
idle stops, sessions, crashes, launch services and external servers."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from baton.api.errors import status_of
from baton.errors import ConnectionLost, NoServerAvailable, QueueFull, QueueTimeout, SessionNotFound
from baton.loadmanager.factory import ProcessFactory, ServerRecipe, ZygoteFactory
from baton.loadmanager.pool import Lease, ServicePool
from baton.loadmanager.states import ServerState
from baton.protocol import frames
from baton.registry.enums import ServiceKind
from tests.appserver.serverprocess import PATIENCE, ServerProcess, body, pid_gone
from tests.loadmanager.servers import (
    RecordingFactory,
    ask,
    config,
    idle,
    live,
    running,
    served_by,
    until,
)
from tests.spawner.children import live_children

pytestmark = pytest.mark.anyio


@pytest.fixture
def processes(recipe: ServerRecipe) -> RecordingFactory:
    """Pool servers as child processes."""
    return RecordingFactory(ProcessFactory(recipe))


async def queued(pool: ServicePool, count: int) -> None:
    """Wait until ``count`` requests wait in ``pool``'s queue."""
    await until(lambda: pool.queue_length == count, f"{count} requests to wait")


async def test_the_first_acquire_starts_a_server_that_later_requests_reuse(
    processes: RecordingFactory,
) -> None:
    async with running(config(min_servers=0, max_servers=2), processes) as pool:
        assert pool.servers == []
        first = await pool.acquire()
        assert first.queued  # it waited for the server to start
        assert first.server.state is ServerState.BUSY
        pid = await served_by(first)
        assert pid == first.server.pid
        pool.release(first)
        assert first.server.state is ServerState.IDLE
        second = await pool.acquire()
        assert second.server is first.server and not second.queued
        assert await served_by(second) == pid
        pool.release(second)
        assert len(processes.spawners) == 1
        assert first.server.stats.requests == 2


async def test_concurrent_requests_grow_the_pool_up_to_max_servers(
    processes: RecordingFactory,
) -> None:
    async with running(config(max_servers=2), processes) as pool:
        tasks = [asyncio.create_task(pool.acquire()) for _ in range(4)]
        await until(lambda: sum(task.done() for task in tasks) == 2, "two requests to get a slot")
        await queued(pool, 2)
        assert len(processes.spawners) == 2 and len(live(pool)) == 2
        first = [task for task in tasks if task.done()]
        pids = {await served_by(task.result()) for task in first}
        assert pids == set(processes.pids) and len(pids) == 2
        for task in first:
            pool.release(task.result())
        await asyncio.wait(tasks, timeout=PATIENCE)
        assert all(task.done() for task in tasks)
        for task in tasks:
            if task not in first:
                assert await served_by(task.result()) in pids  # an existing server
                pool.release(task.result())
        assert len(processes.spawners) == 2  # never more than max_servers
        assert [server.active for server in pool.servers] == [0, 0]


async def test_waiting_requests_get_their_slot_first_come_first_served(
    processes: RecordingFactory,
) -> None:
    async with running(config(max_servers=1), processes) as pool:
        held = await pool.acquire()
        order: list[int] = []

        async def request(number: int) -> None:
            lease = await pool.acquire()
            order.append(number)
            await served_by(lease)
            pool.release(lease)

        tasks = []
        for number in range(5):
            tasks.append(asyncio.create_task(request(number)))
            await queued(pool, number + 1)
        pool.release(held)
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2, 3, 4]
        assert held.server.stats.waited == 6  # the first one waited for the server to start


async def test_a_full_queue_is_refused_at_once_with_a_503(processes: RecordingFactory) -> None:
    async with running(config(max_servers=1, max_queue=2, queue_timeout=20), processes) as pool:
        held = await pool.acquire()
        waiting = [asyncio.create_task(pool.acquire()) for _ in range(2)]
        await queued(pool, 2)
        with pytest.raises(QueueFull) as refused:
            await pool.acquire()
        error = refused.value
        assert isinstance(error, NoServerAvailable)
        assert status_of(error) == 503
        assert error.depth == 2 and error.service == "svc"
        assert 1 <= error.retry_after <= 60
        assert pool.queue_length == 2  # the refused request did not take a place
        pool.release(held)
        for task in waiting:
            pool.release(await task)


async def test_no_queue_at_all_refuses_when_every_server_is_busy(
    processes: RecordingFactory,
) -> None:
    async with running(config(min_servers=1, max_servers=1, max_queue=0), processes) as pool:
        await until(lambda: idle(pool), "the first server to start")
        held = await pool.acquire()  # a free slot needs no queue
        with pytest.raises(QueueFull):
            await pool.acquire()
        pool.release(held)


async def test_a_request_that_waits_too_long_gets_a_queue_timeout(
    processes: RecordingFactory,
) -> None:
    settings: dict[str, Any] = {"min_servers": 1, "max_servers": 1, "queue_timeout": 0.3}
    async with running(config(**settings), processes) as pool:
        # A request waiting for a server to start counts against queue_timeout: start it first.
        await until(lambda: idle(pool), "the server to start")
        held = await pool.acquire()
        with pytest.raises(QueueTimeout) as timed_out:
            await pool.acquire()
        assert timed_out.value.seconds == 0.3
        assert status_of(timed_out.value) == 503 and timed_out.value.retry_after >= 1
        assert pool.queue_length == 0
        pool.release(held)
        # The request that gave up took no slot with it.
        again = await pool.acquire()
        assert again.server is held.server and again.server.active == 1
        pool.release(again)


async def test_a_server_is_recycled_after_max_requests(processes: RecordingFactory) -> None:
    async with running(config(max_servers=1, max_requests=2), processes) as pool:
        pids = []
        for _ in range(2):
            lease = await pool.acquire()
            pids.append(await served_by(lease))
            pool.release(lease)
        old = pids[0]
        assert pids == [old, old]
        await until(lambda: pid_gone(old), "the recycled server to end")
        lease = await pool.acquire()
        new = await served_by(lease)
        pool.release(lease)
        assert new != old and not pid_gone(new)
        assert len(processes.spawners) == 2
        await until(lambda: pool.retired.requests == 2, "the old server's counts to be kept")


async def test_a_timed_out_program_gets_its_server_recycled(processes: RecordingFactory) -> None:
    async with running(config(max_servers=1), processes) as pool:
        lease = await pool.acquire()
        old = await served_by(lease)
        pool.release(lease, timed_out=True)  # its thread may still hold the slot
        await until(lambda: pid_gone(old), "the server to be recycled")
        lease = await pool.acquire()
        assert await served_by(lease) != old
        pool.release(lease)


async def test_a_server_that_cannot_start_fails_the_waiting_request(
    recipe: ServerRecipe,
) -> None:
    broken = dataclasses.replace(recipe, command=(sys.executable, "-c", "raise SystemExit(2)"))
    factory = RecordingFactory(ProcessFactory(broken))
    async with running(config(max_servers=1), factory) as pool:
        with pytest.raises(NoServerAvailable) as failed:
            await pool.acquire()
        assert not isinstance(failed.value, QueueTimeout)  # told at once, not after waiting
        assert failed.value.detail.startswith("no server of 'svc' could start: ")
        assert "exited with status 2 first" in failed.value.detail
        assert pool.servers == [] and pool.queue_length == 0


async def test_starts_that_keep_failing_back_off(recipe: ServerRecipe) -> None:
    """A minimum that cannot be met is retried with growing pauses, not in a tight loop."""
    broken = dataclasses.replace(recipe, command=(sys.executable, "-c", "raise SystemExit(2)"))
    factory = RecordingFactory(ProcessFactory(broken))
    async with running(config(min_servers=1, max_servers=1), factory) as pool:
        await until(lambda: len(factory.spawners) >= 3, "three failed starts")
        third = time.monotonic()
        await until(lambda: len(factory.spawners) >= 4, "a fourth start, after its pause")
        # The pauses double (0.5, 1, 2 s): a lower bound, which a loaded machine only lengthens.
        assert time.monotonic() - third >= 1.5
        assert all(server.address is None for server in pool.servers)


@pytest.mark.parametrize("minimum", [0, 1])
async def test_idle_servers_stop_down_to_min_servers(
    processes: RecordingFactory, minimum: int
) -> None:
    settings: dict[str, Any] = {"min_servers": minimum, "max_servers": 2, "idle_timeout": 0.3}
    async with running(config(**settings), processes) as pool:
        leases = await asyncio.gather(pool.acquire(), pool.acquire())
        pids = {lease.server.pid for lease in leases}
        assert len(pids) == 2
        for lease in leases:
            pool.release(lease)
        await until(lambda: len(live(pool)) == minimum, f"the pool to shrink to {minimum}")
        await until(
            lambda: sum(pid is not None and pid_gone(pid) for pid in pids) == 2 - minimum,
            "the idle servers to end",
        )
        assert len(processes.spawners) == 2  # what remains is one of the first two


async def test_a_server_holding_a_session_is_not_stopped_for_idleness(
    processes: RecordingFactory,
) -> None:
    async with running(config(max_servers=1, idle_timeout=0.2), processes) as pool:
        lease = await pool.acquire()
        answer = await ask(lease, "t.session", ("create", "2"))
        end = answer[-1]
        assert isinstance(end, frames.End) and end.session_created
        session_id = end.session_id
        assert session_id is not None and body(answer) == session_id.encode()
        pool.release(lease, session_created=session_id)
        server, pid = lease.server, lease.server.pid
        assert pid is not None

        # Affinity: the session's requests go to its server.
        again = await pool.acquire(session_id)
        assert again.server is server
        assert body(await ask(again, "t.session", session_id=session_id)) == session_id.encode()
        pool.release(again)

        async def sessions_held() -> int:
            assert server.address is not None
            connection = await server.connection()
            reply = await connection.status(PATIENCE)
            await server.give_back(connection, reusable=True)
            assert reply is not None
            return reply.sessions

        # Idle far longer than idle_timeout, through several housekeeping rounds: it stays
        # as long as the server says that it holds the session.
        while await sessions_held():
            assert not pid_gone(pid) and server in live(pool)
            await asyncio.sleep(0.05)
        await until(lambda: pid_gone(pid), "the server to stop once its session expired")
        await until(lambda: not live(pool), "the pool to be empty")
        with pytest.raises(SessionNotFound):
            await pool.acquire(session_id)


async def test_a_killed_idle_server_is_replaced_up_to_min_servers(
    processes: RecordingFactory,
) -> None:
    async with running(config(min_servers=1, max_servers=2), processes) as pool:
        await until(lambda: idle(pool), "the minimum server to start")
        (server,) = pool.servers
        old = server.pid
        assert old is not None
        os.kill(old, signal.SIGKILL)
        await until(lambda: server not in pool.servers, "the dead server to be noticed")
        await until(lambda: len(idle(pool)) == 1, "a replacement to start")
        (replacement,) = pool.servers
        assert pid_gone(old) and replacement.pid != old
        lease = await pool.acquire()
        assert await served_by(lease) == replacement.pid
        pool.release(lease)


@pytest.mark.parametrize("minimum", [0, 1])
async def test_a_lost_server_is_stopped_and_replaced(
    processes: RecordingFactory, minimum: int
) -> None:
    async with running(config(min_servers=minimum, max_servers=1), processes) as pool:
        lease = await pool.acquire()
        lost = lease.server
        old = await served_by(lease)
        waiting = asyncio.create_task(pool.acquire())
        await queued(pool, 1)
        pool.release(lease, lost=True)
        # The waiting request never gets the server being stopped: it waits for a new one.
        replacement = await waiting
        assert replacement.server is not lost
        new = await served_by(replacement)
        assert new != old and pid_gone(old)
        assert lost not in pool.servers and lost.state is ServerState.STOPPED
        pool.release(replacement)
        assert len(processes.spawners) == 2


async def test_a_launch_service_gives_each_request_a_fresh_server(recipe: ServerRecipe) -> None:
    zygote = RecordingFactory(ZygoteFactory(recipe))
    async with running(config(ServiceKind.LAUNCH, max_servers=2), zygote) as pool:
        assert pool.minimum == 0 and pool.servers == []
        pids = []
        for _ in range(3):
            lease = await pool.acquire()
            assert lease.server.single_use and lease.server.capacity == 1
            pid = await served_by(lease)
            assert pid == lease.server.pid
            pool.release(lease)
            pids.append(pid)
            await until(lambda pid=pid: pid_gone(pid), "the launch server to end after its request")
        assert len(set(pids)) == 3
        # Two at once: two servers, each serving its own request.
        leases = await asyncio.gather(pool.acquire(), pool.acquire())
        assert leases[0].server is not leases[1].server
        for lease in leases:
            assert await served_by(lease) == lease.server.pid
            pool.release(lease)
        assert len(zygote.spawners) == 5


async def test_a_launch_server_stays_while_it_holds_a_session(recipe: ServerRecipe) -> None:
    zygote = RecordingFactory(ZygoteFactory(recipe))
    async with running(config(ServiceKind.LAUNCH, max_servers=2), zygote) as pool:
        lease = await pool.acquire()
        end = (await ask(lease, "t.session", ("create", "30")))[-1]
        assert isinstance(end, frames.End) and end.session_id is not None
        pool.release(lease, session_created=end.session_id)
        again = await pool.acquire(end.session_id)
        assert again.server is lease.server and not pid_gone(lease.server.pid or 0)
        pool.release(again)
        other = await pool.acquire()  # a request without the session gets a fresh server
        assert other.server is not lease.server
        pool.release(other)


async def test_external_servers_are_marked_stopped_when_lost_and_revived_when_they_answer(
    library: Path, tmp_path: Path, socket_dir: Path
) -> None:
    up = ServerProcess.start(library, tmp_path / "up.log")
    down = f"unix:{socket_dir / 'down.sock'}"
    revived: ServerProcess | None = None
    try:
        addresses = (up.address, down)
        async with running(config(ServiceKind.SOCKET, addresses=addresses), None) as pool:
            assert pool.minimum == 0 and pool.maximum == 2
            assert [server.address for server in idle(pool)] == list(addresses)
            leases = await asyncio.gather(pool.acquire(), pool.acquire())
            by_address = {lease.server.address: lease for lease in leases}
            assert await served_by(by_address[up.address]) == up.process.pid
            pool.release(by_address[up.address])
            lost = by_address[down]
            with pytest.raises(ConnectionLost):
                await lost.server.connection()
            pool.release(lost, lost=True)
            assert lost.server.state is ServerState.STOPPED
            for _ in range(3):  # only the live one takes requests now
                lease = await pool.acquire()
                assert lease.server.address == up.address
                pool.release(lease)

            revived = ServerProcess.start(library, tmp_path / "revived.log", down)
            await until(lambda: lost.server.state is ServerState.IDLE, "the server to answer")
            leases = await asyncio.gather(pool.acquire(), pool.acquire())
            pids = {await served_by(lease) for lease in leases}
            assert pids == {up.process.pid, revived.process.pid}
            for lease in leases:
                pool.release(lease)
        # External servers are not the pool's to stop.
        assert up.process.poll() is None and revived.process.poll() is None
    finally:
        up.stop()
        if revived is not None:
            revived.stop()


async def test_aclose_stops_every_server_and_fails_the_waiting_requests(
    processes: RecordingFactory,
) -> None:
    before = live_children()
    pool = ServicePool(config(min_servers=2, max_servers=2), processes)
    await pool.start()
    try:
        await until(lambda: len(idle(pool)) == 2, "the minimum servers to start")
        held: list[Lease] = [await pool.acquire(), await pool.acquire()]
        waiting = asyncio.create_task(pool.acquire())
        await queued(pool, 1)
    finally:
        await pool.aclose()
    assert all(pid_gone(pid) for pid in processes.pids) and len(processes.pids) == 2
    assert live_children() - before == set()
    with pytest.raises(NoServerAvailable):
        await waiting
    with pytest.raises(NoServerAvailable):
        await pool.acquire()
    assert all(lease.server.state is ServerState.STOPPED for lease in held)
