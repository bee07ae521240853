"""A service's servers: acquire one for a request, queue FIFO, start, recycle, replace, stop.

One :class:`ServicePool` per dispatcher service, living on the control plane's event loop.

- ``acquire(session_id)`` returns a :class:`Lease` on a server slot: the server holding the
  session when there is one (:class:`~baton.errors.SessionNotFound` if no live server holds
  it), else one chosen by the service's routing. When none can take the request it waits in a
  FIFO queue: at most ``max_queue`` requests wait (then :class:`~baton.errors.QueueFull`), each
  at most ``queue_timeout`` seconds (then :class:`~baton.errors.QueueTimeout`); both are 503s
  with ``Retry-After``. While requests wait and the pool is below ``max_servers``, servers are
  started (pool and launch services).
- ``release(lease, ...)`` gives the slot back with what happened: the server was lost (it is
  stopped and replaced; the request already got its 502), the program timed out (the server
  is recycled: its thread may hold the slot), a session was created or deleted.
- A launch service's server serves one request; it stays only while it holds a session.
- Servers over ``max_requests`` are recycled; servers idle beyond ``idle_timeout`` are stopped
  down to ``min_servers``, never one that holds a live session; a server whose process died
  while idle is noticed and replaced.

Servers are started and stopped through a :class:`ServerFactory`'s spawners only. A server
that fails to start fails the first waiting request at once (503); further starts back off
(0.5 s, doubling, at most :data:`MAX_BACKOFF`) until one succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Protocol

from baton.errors import (
    NoServerAvailable,
    QueueFull,
    QueueTimeout,
    SessionNotFound,
    SpawnError,
)
from baton.loadmanager.routing import Router
from baton.loadmanager.server import ServerHandle
from baton.loadmanager.states import LIVE, ServerState
from baton.loadmanager.stats import ServerStats
from baton.registry.enums import ServiceKind
from baton.registry.specs import ServiceSettings
from baton.spawner.base import Spawner

logger = logging.getLogger(__name__)

#: Seconds between two rounds of the pool's housekeeping.
HOUSEKEEPING_INTERVAL = 0.5
#: Seconds a stopping server gets to finish before it is killed.
STOP_GRACE = 5.0
#: The longest pause between two attempts to start a server that keeps failing.
MAX_BACKOFF = 30.0
#: Seconds to wait for a server's STATUS before an idle stop.
STATUS_TIMEOUT = 2.0


class ServerFactory(Protocol):
    """Makes the spawners of a service's servers."""

    async def open(self) -> None:
        """Prepare (a launch service starts its zygote here)."""

    def spawner(self, server_id: str) -> Spawner:
        """A spawner for a new server called ``server_id``."""

    async def aclose(self) -> None:
        """Release what ``open`` took."""


@dataclass(frozen=True)
class PoolConfig:
    """What a pool needs to know of its service.

    Attributes:
        service: the service's name.
        kind: socket, pool or launch.
        settings: limits, timeouts, routing.
        addresses: external servers (socket services).
    """

    service: str
    kind: ServiceKind
    settings: ServiceSettings
    addresses: tuple[str, ...] = ()


@dataclass
class Lease:
    """A slot on a server, held by one request.

    Attributes:
        server: the server.
        acquired_at: when the request got it (monotonic seconds).
        wait: seconds it waited in the queue.
        queued: whether it had to wait.
    """

    server: ServerHandle
    acquired_at: float
    wait: float
    queued: bool
    released: bool = False


class _Waiter:
    def __init__(self, target: ServerHandle | None, future: asyncio.Future[ServerHandle]) -> None:
        self.target = target
        self.future = future


class ServicePool:
    """The servers of one service.

    Args:
        config: the service.
        factory: makes spawners (None: external servers only).
        router: picks servers (default: the service's routing).
    """

    def __init__(
        self, config: PoolConfig, factory: ServerFactory | None, router: Router | None = None
    ) -> None:
        self.config = config
        self._factory = factory
        self._router = router or Router(config.settings.routing)
        self.servers: list[ServerHandle] = []
        self._waiters: deque[_Waiter] = deque()
        self._sessions: dict[str, ServerHandle] = {}
        self.retired = ServerStats()
        self._numbers = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._housekeeper: asyncio.Task[None] | None = None
        self.stopping = False
        #: Servers that failed to start in a row, and when the next start may be tried.
        self._failures = 0
        self._retry_at = 0.0

    # ---- life of the pool ---------------------------------------------------------------

    async def start(self) -> None:
        """Start the factory, the external servers' handles and the minimum of servers."""
        if self._factory is not None:
            await self._factory.open()
        for number, address in enumerate(self.config.addresses, 1):
            self.servers.append(
                ServerHandle(
                    f"{self.config.service}@{number}",
                    self.config.settings.programs_per_server,
                    address=address,
                )
            )
        self._top_up()
        self._housekeeper = asyncio.create_task(self._housekeeping())

    @property
    def minimum(self) -> int:
        """Servers kept running even when idle."""
        if self._factory is None or self.config.kind is ServiceKind.LAUNCH:
            return 0
        if self.config.kind is ServiceKind.SOCKET:
            return max(1, self.config.settings.min_servers)
        return self.config.settings.min_servers

    @property
    def maximum(self) -> int:
        """Servers that may run at once."""
        if self.config.kind is ServiceKind.SOCKET:
            return max(self.minimum, len(self.config.addresses))
        return self.config.settings.max_servers

    @property
    def queue_length(self) -> int:
        """Requests waiting for a server now."""
        return sum(1 for waiter in self._waiters if not waiter.future.done())

    async def drain(self, timeout: float) -> None:
        """Take no new request, let the active ones finish (up to ``timeout`` s), then stop all."""
        self.stopping = True
        self._fail_waiters(f"service {self.config.service!r} is stopping")
        limit = time.monotonic() + timeout
        while any(server.active for server in self.servers) and time.monotonic() < limit:
            await asyncio.sleep(0.05)
        await self.aclose()

    async def aclose(self) -> None:
        """Stop every server and the housekeeping; requests still waiting get a 503."""
        self.stopping = True
        self._fail_waiters(f"service {self.config.service!r} is stopping")
        if self._housekeeper is not None:
            self._housekeeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeper
        for server in list(self.servers):
            if server.state is not ServerState.STOPPED:
                self._stop(server, grace=1.0)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        for server in self.servers:
            await server.close_connections()
        if self._factory is not None:
            await self._factory.aclose()

    # ---- requests -------------------------------------------------------------------------

    async def acquire(self, session_id: str | None = None) -> Lease:
        """A slot for one request (see the module's docstring).

        Raises:
            SessionNotFound: ``session_id`` is held by no live server.
            QueueFull: ``max_queue`` requests already wait.
            QueueTimeout: no slot came within ``queue_timeout``.
            NoServerAvailable: the service is stopping, or no server could be started.
        """
        settings = self.config.settings
        if self.stopping:
            raise NoServerAvailable(
                self.config.service, f"service {self.config.service!r} is stopping"
            )
        target: ServerHandle | None = None
        if session_id is not None:
            target = self._sessions.get(session_id)
            if target is None or target.state not in LIVE:
                raise SessionNotFound(session_id)
        began = time.monotonic()
        if self.queue_length >= settings.max_queue and (
            self._pick(target) is None or self._waiters
        ):
            raise QueueFull(self.config.service, self.queue_length, retry_after=self._retry_after())
        if not self._waiters:  # nobody is ahead: a free slot is taken at once
            free = self._pick(target)
            if free is not None:
                free.reserve()
                return Lease(free, began, 0.0, False)
        waiter = _Waiter(target, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        self._dispatch()
        queued = not waiter.future.done()
        try:
            done, _ = await asyncio.wait({waiter.future}, timeout=settings.queue_timeout)
        except asyncio.CancelledError:
            self._abandon(waiter)
            raise
        if not done:
            self._abandon(waiter)
            raise QueueTimeout(
                self.config.service, settings.queue_timeout, retry_after=self._retry_after()
            )
        server = waiter.future.result()
        now = time.monotonic()
        return Lease(server, now, now - began, queued)

    def release(
        self,
        lease: Lease,
        *,
        lost: bool = False,
        timed_out: bool = False,
        session_created: str | None = None,
        session_ended: str | None = None,
    ) -> None:
        """Give ``lease``'s slot back, saying how the request went.

        Args:
            lease: what :meth:`acquire` returned.
            lost: the connection broke in mid-request (the server is stopped and replaced).
            timed_out: the program ran past its deadline (the server is recycled).
            session_created: a session the request created on the server.
            session_ended: a session that ended (deleted, or unknown to the server).
        """
        if lease.released:
            raise RuntimeError(f"a lease on {lease.server.server_id} is released twice")
        lease.released = True
        server = lease.server
        server.stats.record(time.monotonic() - lease.acquired_at, lease.wait, queued=lease.queued)
        server.free()
        if session_ended is not None:
            self._sessions.pop(session_ended, None)
            server.sessions.discard(session_ended)
        if session_created is not None and not lost:
            self._sessions[session_created] = server
            server.sessions.add(session_created)
        if lost:
            logger.warning("%s: server %s was lost", self.config.service, server.server_id)
            self._stop(server, grace=0.5)
        elif server.spawner is not None and (
            timed_out
            or (server.single_use and not server.sessions)
            or 0 < self.config.settings.max_requests <= server.served
        ):
            self._retire_when_done(server)
        elif server.state is ServerState.DRAINING and server.active == 0:
            self._stop(server)
        self._dispatch()

    def forget_session(self, session_id: str) -> None:
        """Drop ``session_id`` (its server says it does not exist)."""
        server = self._sessions.pop(session_id, None)
        if server is not None:
            server.sessions.discard(session_id)

    # ---- choosing and starting servers ------------------------------------------------------

    def _candidates(self) -> list[ServerHandle]:
        return [
            server
            for server in self.servers
            if server.state is ServerState.IDLE
            and server.active < server.capacity
            and not server.stopping  # lost or dead: IDLE only until its stop completes
            and (server.fresh if server.single_use else True)
        ]

    def _pick(self, target: ServerHandle | None) -> ServerHandle | None:
        if target is not None:
            fits = (
                target.state is ServerState.IDLE
                and target.active < target.capacity
                and not target.stopping
            )
            return target if fits else None
        return self._router.pick(self._candidates())

    def _dispatch(self) -> None:
        """Hand free slots to the waiting requests, first come first served."""
        for waiter in list(self._waiters):
            if waiter.future.done():
                self._waiters.remove(waiter)
                continue
            server = self._pick(waiter.target)
            if server is None:
                continue  # a request for a busy session's server does not block the others
            server.reserve()
            waiter.future.set_result(server)
            self._waiters.remove(waiter)
        self._grow()

    def _abandon(self, waiter: _Waiter) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
        future = waiter.future
        if future.done() and not future.cancelled() and future.exception() is None:
            future.result().unreserve()  # a slot was handed over as the request gave up
            self._dispatch()
        else:
            future.cancel()

    def _grow(self) -> None:
        """Start servers while requests wait and the pool may grow."""
        if self._factory is None or self.stopping or self.config.kind is ServiceKind.SOCKET:
            return
        if time.monotonic() < self._retry_at:
            return  # starts keep failing: back off rather than fork a storm
        waiting = sum(1 for w in self._waiters if w.target is None and not w.future.done())
        launch = self.config.kind is ServiceKind.LAUNCH
        per_server = 1 if launch else self.config.settings.programs_per_server
        while True:
            starting = sum(1 for s in self.servers if s.state is ServerState.STARTING)
            if waiting <= starting * per_server or self._live() >= self.maximum:
                return
            self._spawn()

    def _top_up(self) -> None:
        """Start servers up to the minimum."""
        if self._factory is None or self.stopping or time.monotonic() < self._retry_at:
            return
        live = sum(1 for server in self.servers if server.state in LIVE)
        for _ in range(self.minimum - live):
            self._spawn()

    def _spawn(self) -> None:
        assert self._factory is not None
        server_id = f"{self.config.service}#{next(self._numbers)}"
        spawner = self._factory.spawner(server_id)
        capacity = 1 if self.config.kind is ServiceKind.LAUNCH else None
        server = ServerHandle(
            server_id,
            capacity or self.config.settings.programs_per_server,
            spawner=spawner,
            single_use=self.config.kind is ServiceKind.LAUNCH,
        )
        self.servers.append(server)
        self._background(self._bring_up(server, spawner))

    async def _bring_up(self, server: ServerHandle, spawner: Spawner) -> None:
        try:
            server.address = await spawner.start()
        except SpawnError as exc:
            self._failures += 1
            delay = min(MAX_BACKOFF, 0.25 * 2**self._failures)
            self._retry_at = time.monotonic() + delay
            logger.error("%s: %s (next start in %.1f s)", self.config.service, exc.detail, delay)
            server.set_state(ServerState.STOPPED)
            self._retire(server)
            self._fail_first_waiter(
                f"no server of {self.config.service!r} could start: {exc.detail}"
            )
            return
        if self.stopping:
            self._stop(server, grace=0.5)
            return
        self._failures = 0
        server.set_state(ServerState.IDLE)
        logger.info("%s: server %s listens on %s", self.config.service, server, server.address)
        self._dispatch()

    # ---- stopping servers -------------------------------------------------------------------

    def _retire_when_done(self, server: ServerHandle) -> None:
        if server.state in (ServerState.IDLE, ServerState.BUSY):
            server.set_state(ServerState.DRAINING)
        if server.state is ServerState.DRAINING and server.active == 0:
            self._stop(server)

    def _stop(self, server: ServerHandle, grace: float = STOP_GRACE) -> None:
        """Stop ``server`` in the background (idempotent); a replacement follows if needed."""
        if server.spawner is None:
            if server.state is not ServerState.STOPPED:
                server.set_state(ServerState.STOPPED)  # external: housekeeping pings it back
            self._background(server.close_connections())
            self._drop_sessions(server)
            return
        if server.stopping:
            return
        server.stopping = True
        spawner = server.spawner

        async def stop() -> None:
            await server.close_connections()
            await spawner.stop(grace)
            server.set_state(ServerState.STOPPED)
            self._retire(server)
            self._top_up()
            self._dispatch()

        self._background(stop())

    def _retire(self, server: ServerHandle) -> None:
        with contextlib.suppress(ValueError):
            self.servers.remove(server)
        self.retired.absorb(server.stats)
        self._drop_sessions(server)

    def _drop_sessions(self, server: ServerHandle) -> None:
        for session_id in server.sessions:
            self._sessions.pop(session_id, None)
        server.sessions.clear()

    def _fail_waiters(self, detail: str) -> None:
        for waiter in list(self._waiters):
            if not waiter.future.done():
                waiter.future.set_exception(
                    NoServerAvailable(self.config.service, detail, retry_after=self._retry_after())
                )
        self._waiters.clear()

    def _fail_first_waiter(self, detail: str) -> None:
        for waiter in self._waiters:
            if waiter.target is None and not waiter.future.done():
                waiter.future.set_exception(
                    NoServerAvailable(self.config.service, detail, retry_after=self._retry_after())
                )
                self._waiters.remove(waiter)
                return

    def _retry_after(self) -> int:
        return max(1, min(60, round(self.config.settings.queue_timeout / 2)))

    def _background(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "%s: background work failed", self.config.service, exc_info=task.exception()
            )

    # ---- housekeeping ---------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_INTERVAL)
            try:
                await self._housekeep()
            except Exception:
                logger.exception("%s: housekeeping failed", self.config.service)

    async def _housekeep(self) -> None:
        now = time.monotonic()
        idle_timeout = self.config.settings.idle_timeout
        for server in list(self.servers):
            spawner = server.spawner
            if spawner is None:
                if server.state is ServerState.STOPPED:
                    await self._revive(server)
                continue
            if server.state in (ServerState.IDLE, ServerState.BUSY) and spawner.poll() is not None:
                logger.warning(
                    "%s: server %s exited (status %s)",
                    self.config.service,
                    server.server_id,
                    spawner.poll(),
                )
                self._stop(server, grace=0)
                continue
            if (
                self.config.kind is ServiceKind.POOL
                and server.state is ServerState.IDLE
                and server.active == 0
                and idle_timeout > 0
                and now - server.last_used > idle_timeout
                and self._serving() > self.minimum
                and not await self._holds_sessions(server)
            ):
                logger.info("%s: stopping idle server %s", self.config.service, server.server_id)
                self._retire_when_done(server)
        self._top_up()
        self._dispatch()

    def _live(self) -> int:
        return sum(1 for server in self.servers if server.state in LIVE)

    def _serving(self) -> int:
        """Live servers that are not on their way out (draining or being stopped)."""
        return sum(
            1
            for server in self.servers
            if server.state in LIVE
            and server.state is not ServerState.DRAINING
            and not server.stopping
        )

    async def _holds_sessions(self, server: ServerHandle) -> bool:
        """Whether ``server`` holds live sessions (asked, since sessions expire there)."""
        try:
            connection = await server.connection()
        except Exception:
            return bool(server.sessions)
        reply = await connection.status(STATUS_TIMEOUT)
        await server.give_back(connection, reusable=reply is not None)
        if reply is None:
            return bool(server.sessions)
        if reply.sessions == 0:
            self._drop_sessions(server)
        return reply.sessions > 0

    async def _revive(self, server: ServerHandle) -> None:
        """An external server that was lost: back in service once it answers PING."""
        try:
            connection = await server.connection()
        except Exception:
            return
        alive = await connection.ping(STATUS_TIMEOUT)
        await server.give_back(connection, reusable=alive)
        if alive and server.state is ServerState.STOPPED and not self.stopping:
            server.set_state(ServerState.IDLE)
            logger.info("%s: server %s answers again", self.config.service, server.server_id)


#: Builds a pool's factory from its config; the load manager passes one per service kind.
FactoryMaker = Callable[[PoolConfig], ServerFactory | None]
