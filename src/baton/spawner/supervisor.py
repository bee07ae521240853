"""The supervisor: keeps each server definition's processes as they should be (a reconcile loop).

Every ``tick`` (and at once when a client waits) one pass compares, per definition, the
servers that run with the servers that should:

- a RUNNING server whose process ended goes to BACKOFF and is started again after a delay that
  doubles with each failure in a row (``backoff_seconds`` .. ``max_backoff_seconds``); a start
  that fails or times out counts the same;
- ``flap_restarts`` failures within ``flap_window`` seconds mark the definition FAILED: nothing
  restarts its servers until an operator resets it (the mark survives a spawner restart);
- ``start_size`` servers are kept running, and beyond them ``min_available`` servers that can
  take a client, up to ``max_servers``; a client that finds no free server makes one start;
- a server idle for ``idle_timeout`` seconds stops when the two floors above still hold;
- a server that served ``recycle_after`` clients, or whose definition changed (``refresh``),
  takes no new client and is stopped once its clients left (then replaced as needed);
- stopping sends SIGTERM and, after ``stop_grace`` seconds, SIGKILL.

The state of every server (its spawner's state, port, token, uses) is saved in a file after
each change, so that a spawner started again re-adopts the servers still running instead of
starting duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baton.errors import DefinitionFailed, NotFound, ServerUnavailable, SpawnError, SpawnFailed
from baton.protocol.tickets import Ticket, lease_secret, new_key
from baton.spawner.balancing import choose
from baton.spawner.base import LaunchSpec, Spawner
from baton.spawner.local import LocalSpawner
from baton.spawner.managed import DefinitionRun, Lease, ManagedServer
from baton.spawner.plan import ServerPlan
from baton.spawner.statefile import StateFile, describe
from baton.spawner.states import HAS_PROCESS, ProcessState

logger = logging.getLogger(__name__)
trace_logger = logging.getLogger("baton.spawner.trace")

#: Builds the backend that starts one server of a plan.
SpawnerFor = Callable[[ServerPlan, LaunchSpec], Spawner]


@dataclass(frozen=True)
class SupervisorConfig:
    """How the supervisor behaves (from ``[spawner]`` in the settings).

    Attributes:
        state_file: where the servers' state is saved.
        tick: seconds between two passes of the loop.
        stop_grace: seconds between SIGTERM and SIGKILL.
        backoff: first restart delay, in seconds (doubles with each failure in a row).
        max_backoff: longest restart delay.
        flap_restarts: failures within ``flap_window`` that mark a definition FAILED.
        flap_window: seconds over which failures are counted.
        log: file the servers' standard error is appended to (None: the spawner's own).
        lease_seconds: how long a lease's ticket lets its client open connections to the
            server before the client must renew it (:meth:`Supervisor.ticket`).
    """

    state_file: Path
    tick: float = 0.5
    stop_grace: float = 10.0
    backoff: float = 1.0
    max_backoff: float = 60.0
    flap_restarts: int = 5
    flap_window: float = 60.0
    log: Path | None = None
    lease_seconds: float = 3600.0


class Supervisor:
    """Runs the servers of a set of definitions on this host.

    Use as ``await supervisor.open(plans)`` ... ``await supervisor.aclose()``.

    Args:
        config: how it behaves.
        spawner_for: the backend for one server (default: a :class:`LocalSpawner`).
    """

    def __init__(self, config: SupervisorConfig, *, spawner_for: SpawnerFor | None = None) -> None:
        self.config = config
        self._spawner_for = spawner_for or self._local_spawner
        self._runs: dict[str, DefinitionRun] = {}
        self._leases: dict[str, tuple[Lease, ManagedServer]] = {}
        self._store = StateFile(config.state_file)
        self._tasks: set[asyncio.Task[None]] = set()
        self._starting: dict[str, asyncio.Task[None]] = {}
        self._stopping: dict[str, asyncio.Task[None]] = {}
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._dirty = False
        self.tracing = False
        self.trace: deque[str] = deque(maxlen=1000)

    # --- life -----------------------------------------------------------------------------

    async def open(self, plans: Iterable[ServerPlan]) -> None:
        """Re-adopt the servers of the saved state, then start the loop."""
        for plan in plans:
            self._runs[plan.key] = DefinitionRun(plan)
        self._readopt(self._store.load())
        self._save()
        self._loop = asyncio.create_task(self._run(), name="spawner supervisor")

    async def aclose(self) -> None:
        """Stop the loop and every server (SIGTERM, SIGKILL after ``stop_grace``).

        A spawner that dies instead (``kill -9``, a crash) leaves its servers running: the
        saved state lets the next one re-adopt them.
        """
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        for run in self._runs.values():
            run.quiesced = True
            for server in list(run.servers.values()):
                self._stop(run, server, self.config.stop_grace)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._save()

    # --- clients --------------------------------------------------------------------------

    async def acquire(self, definition: str, *, client: str = "") -> Lease:
        """A server of ``definition`` for one client, started if needed.

        Raises:
            NotFound: no such definition on this host.
            SpawnFailed: its servers cannot be launched (a refused launch account).
            DefinitionFailed: it is FAILED until an operator resets it.
            ServerUnavailable: no server became free within its availability timeout.
        """
        run = self._run_of(definition)
        if run.plan.problem:
            raise SpawnFailed(f"definition {definition!r}", run.plan.problem)
        loop = asyncio.get_running_loop()
        timeout = run.plan.pool.availability_timeout
        limit = loop.time() + timeout
        run.waiting += 1
        try:
            while True:
                if run.failed:
                    raise DefinitionFailed(definition, run.failed)
                if not (run.paused or run.quiesced):
                    candidates = [s for s in run.servers.values() if s.available()]
                    server = choose(candidates, run.plan.balancing, run.turn)
                    if server is not None:
                        run.turn += 1
                        return self._give(server, client)
                self._wake.set()
                remaining = limit - loop.time()
                if remaining <= 0:
                    raise ServerUnavailable(definition, timeout)
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await changed.wait()
        finally:
            run.waiting -= 1

    def release(self, lease_id: str) -> bool:
        """The client of ``lease_id`` is done with its server; whether the lease was known."""
        entry = self._leases.pop(lease_id, None)
        if entry is None:
            return False
        lease, server = entry
        if server.state is ProcessState.RUNNING and server.clients > 0:
            server.clients -= 1
            server.last_used = time.monotonic()
            server.record_response(server.last_used - lease.since)
            self._trace(f"{server.id}: client {lease.client or '-'} left ({server.clients} left)")
        if server.plan.service:
            server.draining = True
        self._mark()
        return True

    async def give_back(self, lease_id: str, grace: float) -> int | None:
        """Release ``lease_id``; when its server stops with it (a service's server), wait until
        it is gone (SIGKILL after ``grace`` seconds) and return its exit status."""
        entry = self._leases.get(lease_id)
        self.release(lease_id)
        if entry is None or not entry[1].plan.service:
            return None
        server = entry[1]
        run = self._runs.get(server.plan.key)
        if run is not None and server.id in run.servers and server.clients == 0:
            await asyncio.shield(self._stop(run, server, grace))
        return server.exit_status

    def leased(self, lease_id: str) -> ManagedServer | None:
        """The server of a live lease (None: released, or its server ended)."""
        entry = self._leases.get(lease_id)
        return entry[1] if entry is not None else None

    def ticket(self, lease_id: str) -> Ticket | None:
        """A fresh ticket for a live lease (same lease, later expiry), or None for a server
        started without a key.

        Raises:
            NotFound: the lease was released, or its server ended.
        """
        entry = self._leases.get(lease_id)
        if entry is None:
            raise NotFound("lease", lease_id)
        return self._ticket(lease_id, entry[1])

    def _ticket(self, lease_id: str, server: ManagedServer) -> Ticket | None:
        if not server.key:
            return None
        expires = int(time.time() + self.config.lease_seconds)
        return Ticket(lease_id, expires, lease_secret(server.key, lease_id, expires))

    def _give(self, server: ManagedServer, client: str) -> Lease:
        assert server.address is not None
        server.clients += 1
        server.uses += 1
        server.last_used = time.monotonic()
        lease_id = secrets.token_urlsafe(16)
        lease = Lease(
            id=lease_id,
            definition=server.plan.key,
            server=server.id,
            address=server.address,
            ticket=self._ticket(lease_id, server),
            client=client,
        )
        self._leases[lease.id] = (lease, server)
        self._trace(f"{server.id}: given to {client or '-'} ({server.clients} clients)")
        self._mark()
        return lease

    # --- operator -------------------------------------------------------------------------

    def refresh(self, plans: Iterable[ServerPlan]) -> None:
        """Take new definitions: changed ones replace their servers as they become free."""
        wanted = {plan.key: plan for plan in plans}
        self._update(wanted)

    def attach(self, plan: ServerPlan) -> None:
        """Add (or change) one plan beside the registry's: a plan derived for a dispatcher
        service (:func:`~baton.spawner.plan.for_service`), which lives until :meth:`detach`."""
        wanted = {run.plan.key: run.plan for run in self._runs.values() if not run.removed}
        wanted[plan.key] = plan
        self._update(wanted)

    def detach(self, plan: ServerPlan) -> None:
        """Remove ``plan`` (attached before) if it is still the one in effect: its servers stop
        once their clients left."""
        run = self._runs.get(plan.key)
        if run is None or run.plan != plan or run.removed:
            return
        run.removed = run.quiesced = True
        self._trace(f"{plan.key}: detached; its servers stop")
        self._mark()

    def _update(self, wanted: dict[str, ServerPlan]) -> None:
        for name, plan in wanted.items():
            run = self._runs.get(name)
            if run is None:
                self._runs[name] = DefinitionRun(plan)
                self._trace(f"{name}: new definition")
            else:
                if run.removed:  # back again
                    run.removed = run.quiesced = False
                if run.plan != plan:
                    run.plan = plan
                    for server in run.servers.values():
                        server.draining = True
                    self._trace(f"{name}: definition changed; its servers are replaced")
        for name, run in self._runs.items():
            if name not in wanted and not run.removed:
                run.removed = run.quiesced = True
                self._trace(f"{name}: definition removed; its servers stop")
        self._mark()

    async def stop_server(self, server_id: str, *, kill: bool = False) -> int | None:
        """Stop one server now (``kill``: SIGKILL at once); its exit status."""
        run, server = self._server(server_id)
        self._trace(f"{server_id}: {'kill' if kill else 'stop'} asked by an operator")
        task = self._stop(run, server, 0.0 if kill else self.config.stop_grace)
        await asyncio.shield(task)
        return server.exit_status

    def reset(self, definition: str) -> None:
        """Clear a FAILED definition (and its failed servers) so that it starts again."""
        run = self._run_of(definition)
        run.failed = ""
        run.restarts.clear()
        for server in list(run.servers.values()):
            if server.state in (ProcessState.FAILED, ProcessState.BACKOFF):
                server.change(ProcessState.STOPPED)
                del run.servers[server.id]
        self._trace(f"{definition}: reset by an operator")
        self._mark()

    def pause(self, definition: str, paused: bool = True) -> None:
        """Give no new client a server of ``definition`` (they wait); or resume."""
        self._run_of(definition).paused = paused
        self._mark()

    def quiesce(self, definition: str, quiesced: bool = True) -> None:
        """Take no new client; stop each server once its clients left (or undo)."""
        run = self._run_of(definition)
        run.quiesced = quiesced
        if not quiesced:
            for server in run.servers.values():
                server.draining = False
        self._mark()

    def quiesce_server(self, server_id: str) -> None:
        """One server takes no new client and stops once its clients left."""
        _, server = self._server(server_id)
        server.draining = True
        self._mark()

    def set_trace(self, on: bool) -> None:
        """Keep (or stop keeping) a log of the supervisor's decisions."""
        self.tracing = on
        trace_logger.setLevel(logging.DEBUG if on else logging.NOTSET)

    # --- views ----------------------------------------------------------------------------

    def definitions(self) -> dict[str, DefinitionRun]:
        """Every definition by name, with its servers."""
        return dict(self._runs)

    def servers(self) -> list[ManagedServer]:
        """Every server, by definition then id."""
        return [server for run in self._runs.values() for server in run.servers.values()]

    def _run_of(self, definition: str) -> DefinitionRun:
        run = self._runs.get(definition)
        if run is None:
            raise NotFound("server definition", definition)
        return run

    def _server(self, server_id: str) -> tuple[DefinitionRun, ManagedServer]:
        for run in self._runs.values():
            if server_id in run.servers:
                return run, run.servers[server_id]
        raise NotFound("server", server_id)

    # --- the loop -------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                self.reconcile()
            except Exception:  # the loop outlives any one bad pass
                logger.exception("spawner: a reconcile pass failed")
            if self._dirty:
                self._save()
            # asyncio.timeout, not wait_for: wait_for can swallow a cancellation (Python 3.11).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.tick):
                    await self._wake.wait()
            self._wake.clear()

    def reconcile(self) -> None:
        """One pass over every definition: notice deaths, stop, start, restart."""
        now = time.monotonic()
        for name, run in list(self._runs.items()):
            self._watch(run, now)
            if run.quiesced:
                for server in list(run.servers.values()):
                    if server.clients == 0 or server.state is not ProcessState.RUNNING:
                        self._stop(run, server, self.config.stop_grace)
                if not run.servers and run.removed:
                    del self._runs[name]
                continue
            if run.failed:
                continue
            self._retire(run, now)
            if run.plan.problem:  # a refused launch account: nothing may start
                continue
            self._grow(run, now)

    def _watch(self, run: DefinitionRun, now: float) -> None:
        """Notice servers that died; forgive servers that have run long enough."""
        for server in list(run.servers.values()):
            if server.state is not ProcessState.RUNNING or server.spawner is None:
                continue
            status = server.spawner.poll()
            if status is not None:
                server.exit_status = status
                self._failed(run, server, f"it exited with status {status}")
            elif server.failures and now - server.running_since > self.config.flap_window:
                server.failures = 0

    def _retire(self, run: DefinitionRun, now: float) -> None:
        """Stop what is draining and free, recycled, or idle beyond the floors."""
        pool = run.plan.pool
        for server in list(run.servers.values()):
            if server.state is not ProcessState.RUNNING:
                continue
            if pool.recycle_after and server.uses >= pool.recycle_after and not server.draining:
                server.draining = True
                self._trace(f"{server.id}: recycled after {server.uses} uses")
            if server.draining and server.clients == 0:
                self._stop(run, server, self.config.stop_grace)
        if not pool.idle_timeout:
            return
        for server in sorted(run.live(), key=lambda s: s.last_used):
            if server.state is not ProcessState.RUNNING or server.clients:
                continue
            if now - server.last_used < pool.idle_timeout:
                continue
            live = run.live()
            available = [s for s in live if s.available() or s.state is ProcessState.STARTING]
            if len(live) - 1 >= pool.start_size and len(available) - 1 >= pool.min_available:
                self._trace(f"{server.id}: idle for {now - server.last_used:.0f} s")
                self._stop(run, server, self.config.stop_grace)

    def _grow(self, run: DefinitionRun, now: float) -> None:
        """Start or restart servers until the floors and the waiting clients are covered."""
        pool = run.plan.pool
        live = run.live()
        starting = [s for s in live if s.state is ProcessState.STARTING]
        available = [s for s in live if s.available()] + starting
        busy = [s for s in live if s.state is ProcessState.RUNNING and s.clients]
        coming = len(starting) * pool.max_clients
        demand = math.ceil(max(0, run.waiting - coming) / pool.max_clients) if not available else 0
        desired = max(pool.start_size, len(busy) + pool.min_available + demand)
        for server in [s for s in live if s.state is ProcessState.BACKOFF]:
            if now < server.retry_at:
                continue
            if len(run.live()) > desired:
                server.change(ProcessState.STOPPED)
                del run.servers[server.id]
                self._mark()
            else:
                self._start(run, server)
        processes = sum(1 for s in run.servers.values() if s.state in HAS_PROCESS)
        backing_off = sum(1 for s in run.live() if s.state is ProcessState.BACKOFF)
        room = pool.max_servers - processes - backing_off
        needed = max(
            pool.start_size - len(run.live()),
            pool.min_available - len(available),
            demand,
        )
        for _ in range(max(0, min(needed, room))):
            server = ManagedServer(
                id=run.next_id(), plan=run.plan, token=secrets.token_urlsafe(24), key=new_key()
            )
            run.servers[server.id] = server
            self._start(run, server)

    # --- starting and stopping --------------------------------------------------------------

    def _start(self, run: DefinitionRun, server: ManagedServer) -> None:
        if server.state is not ProcessState.STARTING:
            server.change(ProcessState.STARTING)
        server.port = self._port(run, server)
        self._trace(f"{server.id}: starting (attempt {server.failures + 1})")
        task = self._spawn(self._starting_task(run, server), f"start {server.id}")
        self._starting[server.id] = task
        self._mark()

    async def _starting_task(self, run: DefinitionRun, server: ManagedServer) -> None:
        try:
            spec = server.plan.launch_spec(
                server.id, port=server.port, token=server.token, key=server.key
            )
            server.spawner = self._spawner_for(server.plan, spec)
            address = await server.spawner.start()
        except SpawnError as exc:
            self._starting.pop(server.id, None)
            if server.state is ProcessState.STARTING:
                self._failed(run, server, exc.detail)
            return
        except Exception as exc:  # a backend bug must not leave the server STARTING forever
            self._starting.pop(server.id, None)
            logger.exception("spawner: starting %s failed", server.id)
            if server.state is ProcessState.STARTING:
                self._failed(run, server, str(exc) or type(exc).__name__)
            return
        self._starting.pop(server.id, None)
        server.address = address
        server.change(ProcessState.RUNNING)
        server.started_at = time.time()
        server.running_since = server.last_used = time.monotonic()
        self._trace(f"{server.id}: running at {address} (pid {server.pid})")
        self._mark()

    def _failed(self, run: DefinitionRun, server: ManagedServer, problem: str) -> None:
        """A server's start failed or its process died: back off, or mark the definition."""
        now = time.monotonic()
        server.problem = problem
        server.failures += 1
        server.clients = 0
        for lease_id in [k for k, (_, s) in self._leases.items() if s is server]:
            del self._leases[lease_id]
        if server.spawner is not None:  # reap what is left of it
            self._spawn(server.spawner.stop(0.0), f"reap {server.id}")
        run.restarts.append(now)
        while run.restarts and run.restarts[0] < now - self.config.flap_window:
            run.restarts.popleft()
        logger.warning("spawner: %s failed: %s", server.id, problem)
        if server.draining or run.quiesced:
            server.change(ProcessState.BACKOFF)
            server.change(ProcessState.STOPPED)
            del run.servers[server.id]
        elif len(run.restarts) >= self.config.flap_restarts:
            run.failed = (
                f"{len(run.restarts)} failures within {self.config.flap_window:g} s; "
                f"last: {problem}"
            )
            server.change(ProcessState.FAILED)
            for other in list(run.servers.values()):
                if other.state is ProcessState.BACKOFF:
                    other.change(ProcessState.FAILED)
            logger.error("spawner: definition %s is FAILED: %s", run.plan.key, run.failed)
        else:
            server.change(ProcessState.BACKOFF)
            delay = min(self.config.backoff * 2 ** (server.failures - 1), self.config.max_backoff)
            server.retry_at = now + delay
            self._trace(f"{server.id}: {problem}; restart in {delay:g} s")
        self._mark()

    def _stop(self, run: DefinitionRun, server: ManagedServer, grace: float) -> asyncio.Task[None]:
        """Stop ``server`` (at most once); the task doing it."""
        existing = self._stopping.get(server.id)
        if existing is not None:
            return existing
        task = self._spawn(self._stopping_task(run, server, grace), f"stop {server.id}")
        self._stopping[server.id] = task
        return task

    async def _stopping_task(self, run: DefinitionRun, server: ManagedServer, grace: float) -> None:
        try:
            if server.state in (ProcessState.BACKOFF, ProcessState.FAILED):
                server.change(ProcessState.STOPPED)
            elif server.state is not ProcessState.STOPPED:
                server.change(ProcessState.STOPPING)
                self._mark()
                starting = self._starting.pop(server.id, None)
                if starting is not None:
                    starting.cancel()
                    await asyncio.gather(starting, return_exceptions=True)
                if server.spawner is not None:
                    server.exit_status = await server.spawner.stop(grace)
                server.change(ProcessState.STOPPED)
            self._trace(f"{server.id}: stopped (status {server.exit_status})")
        finally:
            self._stopping.pop(server.id, None)
            run.servers.pop(server.id, None)
            for lease_id in [k for k, (_, s) in self._leases.items() if s is server]:
                del self._leases[lease_id]
            self._mark()

    def _port(self, run: DefinitionRun, server: ManagedServer) -> int:
        """A free port of the definition's range, or 0 (the server picks one)."""
        if run.plan.ports is None:
            return 0
        taken = {s.port for s in run.servers.values() if s is not server}
        low, high = run.plan.ports
        for port in range(low, high + 1):
            if port in taken:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind((run.plan.host, port))
                except OSError:
                    continue
            return port
        raise SpawnFailed(server.id, f"no free port in {low}-{high}")

    def _local_spawner(self, plan: ServerPlan, spec: LaunchSpec) -> Spawner:
        return LocalSpawner(spec, log=self.config.log)

    def _spawn(self, work: Any, name: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _mark(self) -> None:
        """Something changed: save soon, and wake waiting clients and the loop."""
        self._dirty = True
        self._changed.set()
        self._changed = asyncio.Event()
        self._wake.set()

    def _trace(self, message: str) -> None:
        if self.tracing:
            line = f"{time.strftime('%H:%M:%S')} {message}"
            self.trace.append(line)
            trace_logger.debug(message)

    # --- saved state ------------------------------------------------------------------------

    def _save(self) -> None:
        self._dirty = False
        self._store.save(describe(self._runs.values()))

    def _readopt(self, saved: dict[str, Any]) -> None:
        """Take back the servers a previous spawner left running; stop what is not wanted."""
        for name, counter in dict(saved.get("counters", {})).items():
            if name in self._runs and isinstance(counter, int):
                self._runs[name].counter = counter
        for name, reason in dict(saved.get("failed", {})).items():
            if name in self._runs and isinstance(reason, str):
                self._runs[name].failed = reason
        for entry in saved.get("servers", []):
            try:
                self._readopt_one(entry)
            except (KeyError, TypeError, ValueError) as exc:
                logger.warning("spawner: cannot re-adopt %r: %s", entry, exc)

    def _readopt_one(self, entry: dict[str, Any]) -> None:
        run = self._runs.get(entry["definition"])
        plan = run.plan if run is not None else None
        name = str(entry["id"])
        spec = LaunchSpec(name=f"server {name}", argv=("-",))
        if plan is not None:
            spec = plan.launch_spec(
                name,
                port=int(entry["port"]),
                token=str(entry["token"]),
                key=str(entry.get("key", "")),
            )
        spawner = self._spawner_for(plan, spec) if plan is not None else LocalSpawner(spec)
        spawner.load_state(dict(entry["spawner"]))
        if spawner.poll() is not None:
            logger.info("spawner: %s is gone since the last run", name)
            return
        current = plan is not None and entry["plan"] == plan.fingerprint()
        if run is None or plan is None or entry["state"] != ProcessState.RUNNING or not current:
            logger.info("spawner: stopping %s, left running by the last run", name)
            self._spawn(spawner.stop(self.config.stop_grace), f"stop {name}")
            return
        server = ManagedServer(
            id=name,
            plan=plan,
            port=int(entry["port"]),
            token=str(entry["token"]),
            key=str(entry.get("key", "")),
            state=ProcessState.RUNNING,
            spawner=spawner,
            address=getattr(spawner, "address", None) or None,
            started_at=entry.get("started_at"),
            running_since=time.monotonic(),
            uses=int(entry.get("uses", 0)),
            draining=bool(entry.get("draining", False)),
        )
        if server.address is None:
            self._spawn(spawner.stop(self.config.stop_grace), f"stop {name}")
            return
        run.servers[name] = server
        logger.info("spawner: re-adopted %s (pid %s) at %s", name, spawner.pid, server.address)
