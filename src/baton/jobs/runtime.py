"""The Runtime Server: the control plane's side of running jobs.

:class:`Runtime` lives in ``baton serve``'s event loop. Its dispatcher takes QUEUED runs in
FIFO order while fewer than ``jobs.max_concurrent_runs`` top-level runs are RUNNING (child runs
start at once: they are part of their parent's slot, and holding them back could deadlock),
leases a runner process from the spawner (server definition ``jobs.runner_definition``, kind
``runner``: each run in its own process, warm ones kept ready by the pool settings, a process
recycled after its run) and drives the run over the runner channel
(:mod:`baton.jobs.channel`):

- every node transition, log line and variable the runner sends is persisted in order, in
  batches (one transaction each), before the run's final state is;
- the runner's calls are answered here: programs through the dispatcher's load manager
  (:mod:`baton.jobs.programs`), child runs (created, queued, awaited; cancelled with the node),
  events (:mod:`baton.jobs.events`) and file waits;
- the end of the connection without an ``end`` is a crash: the run's open node attempts and
  the run become CRASHED, and a resumable run (the default) goes back to the head of the queue,
  to be resumed on another runner from what was persisted (finished nodes are not run again),
  up to ``jobs.max_resumes`` times;
- when the control plane starts, runs left RUNNING by the previous one are handled as crashed
  (their runners cancelled them when the connection went); QUEUED runs stay queued.

Cancelling a queued run ends it at once; a running one is told to stop (its commands' process
groups, programs and child runs stop) and its runner is killed if it has not ended within
``jobs.cancel_grace`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio.to_thread

from baton.errors import (
    BatonError,
    Conflict,
    JobError,
    PermissionDenied,
    RuntimeUnavailable,
)
from baton.jobs import design
from baton.jobs.calls import RunnerCalls
from baton.jobs.channel import AsyncChannel, ChannelError, Message
from baton.jobs.documents import to_data
from baton.jobs.events import RUN_FINISHED, EventBus
from baton.jobs.states import NODE_TERMINAL, NodeState, RunState
from baton.jobs.submit import principal_of, refusals, submit
from baton.loadmanager.manager import LoadManager
from baton.protocol.tickets import hello_for
from baton.registry import access, runs
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import Action, Capability, ResourceKind
from baton.registry.records import RunRecord
from baton.settings import Settings
from baton.spawner.managed import Lease
from baton.spawner.supervisor import Supervisor

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The most messages written in one transaction.
BATCH = 500
#: Seconds the writer lets messages gather before it writes a batch.
GATHER = 0.02
#: Seconds between two looks at the queue when nothing wakes the dispatcher.
IDLE_TICK = 1.0
#: The final states a waiting parent or client stops waiting at.
ENDED = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.CRASHED})


async def _thread(function: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(function, *args)


@dataclass
class Active:
    """A run this runtime drives."""

    run_id: int
    parent: int | None
    principal: Principal | None = None
    channel: AsyncChannel | None = None
    lease: Lease | None = None
    task: asyncio.Task[None] | None = None
    cancel_requested: bool = False
    calls: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    children: set[int] = field(default_factory=set)
    resumable: bool = True
    #: The run's process (the runner's child running it).
    pid: int | None = None
    #: The process groups of the commands it runs now (killed if its process dies).
    groups: set[int] = field(default_factory=set)
    #: The job's ``max_duration`` (seconds), and whether the run went past it.
    max_duration: float | None = None
    overtime: bool = False


class _Writer:
    """Persists one run's messages in order, in batches, off the event loop.

    A batch is what arrived while the previous one was written (after a short gather window),
    written in one transaction: a node attempt's changes in the batch become one statement
    (its row is inserted once, then updated by id: no reads), log lines and variables follow.
    Each change is stamped with the time its message arrived, not the time it was written.
    """

    def __init__(self, database: Database, run_id: int, before: dict[str, int]) -> None:
        self._database = database
        self._run = run_id
        self._before = before
        self._rows: dict[tuple[str, int], int] = {}
        self._queue: asyncio.Queue[tuple[datetime.datetime, Message]] = asyncio.Queue()
        self._urgent = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name=f"baton-run-{run_id}-writer")
        self.changed = asyncio.Event()

    def put(self, message: Message) -> None:
        self._queue.put_nowait((datetime.datetime.now(datetime.UTC), message))

    async def flush(self) -> None:
        """Wait until everything put so far is written (no gathering: it is wanted now)."""
        self._urgent.set()
        await self._queue.join()

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(GATHER):
                    await self._urgent.wait()
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await _thread(self._write, batch)
            except Exception:
                logger.exception("run %s: progress could not be written", self._run)
            finally:
                for _ in batch:
                    self._queue.task_done()
            self.changed.set()
            self.changed = asyncio.Event()

    def _write(self, batch: list[tuple[datetime.datetime, Message]]) -> None:
        nodes: dict[tuple[str, int], runs.NodeChange] = {}
        with self._database.session() as session:
            for at, message in batch:
                kind = message.get("type")
                if kind == "node":
                    self._node(nodes, at, message)
                elif kind == "log":
                    node = str(message.get("path") or "")
                    runs.add_log(session, self._run, node, str(message["line"]), at=at)
                elif kind == "variable":
                    runs.set_variable(session, self._run, str(message["name"]), message["value"])
                elif kind == "runner":  # the runtime's own: which process runs the run
                    runs.set_runner(session, self._run, str(message["runner"]))
                    runs.add_log(session, self._run, "", f"on runner {message['runner']}", at=at)
            runs.write_nodes(session, self._run, list(nodes.values()), self._rows)

    def _node(
        self, nodes: dict[tuple[str, int], runs.NodeChange], at: datetime.datetime, message: Message
    ) -> None:
        path = str(message.get("path", ""))[:128]
        attempt = int(message.get("attempt", 1))
        if attempt:
            attempt += self._before.get(path, 0)
        state = NodeState(str(message.get("state")))
        change = nodes.setdefault((path, attempt), runs.NodeChange(path, attempt, state))
        change.state = state
        outputs = message.get("outputs")
        if isinstance(outputs, dict):
            change.outputs = outputs
        if message.get("error"):
            change.error = str(message["error"])
        if state is NodeState.RUNNING and (path, attempt) not in self._rows:
            change.started_at = change.started_at or at
        if state in NODE_TERMINAL:
            change.finished_at = at


class Runtime:
    """Runs jobs (see the module docstring).

    Args:
        settings: the installation's settings (``[jobs]``).
        database: the registry.
        supervisor: this host's supervisor (it starts the runners).
        manager: the dispatcher's load manager (program nodes run through it).
        events: the control plane's events.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        supervisor: Supervisor,
        manager: LoadManager,
        events: EventBus,
    ) -> None:
        self.settings = settings
        self.database = database
        self.supervisor = supervisor
        self.manager = manager
        self.events = events
        self._calls = RunnerCalls(self)
        self._active: dict[int, Active] = {}
        self._waiting: dict[int, list[asyncio.Future[RunRecord]]] = {}
        self._log_events: dict[int, asyncio.Event] = {}
        self._wake: asyncio.Event | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._closing = False

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Recover the runs the previous control plane left running, start the dispatcher."""
        self._wake = asyncio.Event()
        recovered = await _thread(self._recover)
        if recovered:
            logger.info("runtime: %d run(s) left running were handled as crashed", recovered)
        self._loop_task = asyncio.create_task(self._dispatch_loop(), name="baton-runtime")

    async def aclose(self) -> None:
        """Stop driving runs; the runs still running are resumed by the next start."""
        self._closing = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        tasks = [active.task for active in self._active.values() if active.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def wake(self) -> None:
        """Look at the queue now (a run was queued)."""
        if self._wake is not None:
            self._wake.set()

    def available(self) -> None:
        """Raise :class:`RuntimeUnavailable` when no run could start here."""
        if self._closing or self._wake is None:
            raise RuntimeUnavailable("the runtime is not running")
        definition = self.settings.jobs.runner_definition
        if definition not in self.supervisor.definitions():
            raise RuntimeUnavailable(
                f"no enabled server definition {definition!r} (kind runner) on this host: runs "
                "would stay queued; create it (baton init does) or set jobs.runner_definition"
            )

    # --- starting and following runs ---------------------------------------------------

    async def start(
        self,
        principal: Principal,
        job: str,
        inputs: dict[str, Any],
        *,
        version: int | None = None,
        from_text: bool = False,
    ) -> RunRecord:
        """Queue a run of ``job`` for ``principal`` (see :func:`~baton.jobs.submit.submit`)."""
        self.available()

        def create() -> RunRecord:
            with self.database.session() as session:
                return submit(
                    session,
                    principal,
                    self.settings,
                    job,
                    inputs,
                    version=version,
                    from_text=from_text,
                )

        record = await _thread(create)
        self.wake()
        return record

    async def wait(self, run_id: int, timeout: float | None = None) -> RunRecord:
        """Run ``run_id`` once it has ended (SUCCEEDED, FAILED, CANCELLED or CRASHED for good).

        Raises:
            TimeoutError: it had not ended within ``timeout`` seconds.
        """
        future: asyncio.Future[RunRecord] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(run_id, []).append(future)
        try:
            record = await _thread(self._get, run_id)
            if self.ended(record):
                return record
            async with asyncio.timeout(timeout):
                return await future
        finally:
            waiters = self._waiting.get(run_id, [])
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._waiting.pop(run_id, None)

    def log_changed(self, run_id: int) -> asyncio.Event:
        """An event set the next time run ``run_id``'s log or state changes."""
        return self._log_events.setdefault(run_id, asyncio.Event())

    def _changed(self, run_id: int) -> None:
        event = self._log_events.pop(run_id, None)
        if event is not None:
            event.set()

    def _get(self, run_id: int) -> RunRecord:
        with self.database.session() as session:
            return runs.get_run(session, run_id)

    def ended(self, record: RunRecord) -> bool:
        """Whether ``record``'s run is over (a crashed one only once it is not resumed)."""
        if record.state in ENDED - {RunState.CRASHED}:
            return True
        return record.state is RunState.CRASHED and record.id not in self._active

    # --- cancelling ----------------------------------------------------------------------

    async def cancel(self, run_id: int, principal: Principal | None) -> RunRecord:
        """Cancel run ``run_id`` (``principal`` None: the runtime itself, for a child run).

        Raises:
            NotFound: no such run.
            PermissionDenied: another user's run, without the operate capability or
                ``administer`` on its job.
            Conflict: it has already ended.
        """
        record = await _thread(self._get, run_id)
        if principal is not None:
            await _thread(self._may_cancel, principal, record)
        if record.state in (RunState.QUEUED, RunState.CRASHED) and run_id not in self._active:
            with contextlib.suppress(JobError, ValueError):
                record = await _thread(self._end_waiting, run_id, principal)
                await self._ended_run(record)
                return record
            record = await _thread(self._get, run_id)
        if record.state in ENDED - {RunState.CRASHED}:
            raise Conflict(f"run {run_id} has already ended ({record.state.value})")
        active = self._active.get(run_id)
        if active is not None and not active.cancel_requested:
            active.cancel_requested = True
            await self._tell_cancel(active)
            for child in list(active.children):
                with contextlib.suppress(BatonError):
                    await self.cancel(child, None)
        return await _thread(self._get, run_id)

    def _may_cancel(self, principal: Principal, record: RunRecord) -> None:
        if principal.name and principal.name == record.created_by:
            return
        if principal.can(Capability.OPERATE):
            return
        with self.database.session() as session:
            if access.is_allowed(
                session, principal, ResourceKind.JOB, record.job, Action.ADMINISTER
            ):
                return
        raise PermissionDenied("cancel", f"run {record.id} of {record.created_by}")

    def _end_waiting(self, run_id: int, principal: Principal | None) -> RunRecord:
        who = principal.name if principal is not None else "its parent run"
        with self.database.session() as session:
            runs.add_log(session, run_id, "", f"cancelled by {who} before it started")
            return runs.change_state(session, run_id, RunState.CANCELLED, error="cancelled")

    async def _tell_cancel(self, active: Active) -> None:
        if active.channel is not None:
            with contextlib.suppress(OSError, ChannelError):
                await active.channel.send({"type": "cancel"})
        if active.task is not None:
            asyncio.get_running_loop().call_later(
                self.settings.jobs.cancel_grace, self._cancel_overdue, active
            )

    def _cancel_overdue(self, active: Active) -> None:
        """The run did not stop in time: kill its process (it then ends CANCELLED)."""
        if self._active.get(active.run_id) is not active:
            return
        logger.warning("run %s: it did not stop when cancelled; killing it", active.run_id)
        if active.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                try:
                    os.kill(active.pid, signal.SIGKILL)
                    return
                except PermissionError:  # another account's runner: stop the runner itself
                    pass
        server = self.supervisor.leased(active.lease.id) if active.lease is not None else None
        if server is not None:
            asyncio.get_running_loop().create_task(
                self.supervisor.stop_server(server.id, kill=True)
            )

    # --- the dispatcher ------------------------------------------------------------------

    async def _dispatch_loop(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_TICK):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._dispatch()
            except Exception:
                logger.exception("runtime: the dispatcher failed; trying again")

    async def _dispatch(self) -> None:
        queued = await _thread(self._queued)
        cap = self.settings.jobs.max_concurrent_runs
        top = sum(1 for active in self._active.values() if active.parent is None)
        chosen: list[Active] = []
        for run_id, parent in queued:
            if run_id in self._active:
                continue
            if parent is None:
                if top >= cap:
                    continue  # FIFO: later top-level runs wait too; children may still start
                top += 1
            active = Active(run_id, parent)
            self._active[run_id] = active
            chosen.append(active)
        if not chosen:
            return
        # Claimed in queue order, in one go: the runs start (RUNNING, stamped) in FIFO order.
        starts = await _thread(self._claim, chosen)
        for active, start in zip(chosen, starts, strict=True):
            active.task = asyncio.create_task(
                self._drive(active, start), name=f"baton-run-{active.run_id}"
            )

    def _claim(self, chosen: list[Active]) -> list[dict[str, Any] | None]:
        starts: list[dict[str, Any] | None] = []
        for active in chosen:
            try:
                starts.append(self._begin(active))
            except Exception as exc:  # this run cannot start; the others still do
                logger.exception("run %s could not start", active.run_id)
                starts.append({"error": f"it could not start: {exc}"})
        return starts

    def _queued(self) -> list[tuple[int, int | None]]:
        with self.database.session() as session:
            return [(record.id, record.parent_run_id) for record in runs.queue(session)]

    def _recover(self) -> int:
        with self.database.session() as session:
            left = runs.running(session)
        for run_id in left:
            self._crashed_sync(run_id, "the control plane stopped while it ran", None)
        return len(left)

    # --- driving one run -----------------------------------------------------------------

    async def _drive(self, active: Active, start: dict[str, Any] | None) -> None:
        run_id = active.run_id
        writer: _Writer | None = None
        ended = False
        try:
            if start is None:
                ended = True
                return
            if "error" in start:
                raise RuntimeUnavailable(start["error"])
            writer = _Writer(self.database, run_id, start.pop("attempts"))
            await self._connect(active, start, writer)
            ended = await self._converse(active, writer)
        except asyncio.CancelledError:
            raise  # shutting down: the next start resumes it
        except (BatonError, OSError, ChannelError, TimeoutError) as exc:
            detail = exc.detail if isinstance(exc, BatonError) else str(exc) or type(exc).__name__
            await self._crashed(active, writer, f"its runner failed: {detail}")
            ended = True
        except Exception as exc:
            logger.exception("run %s: the runtime failed", run_id)
            await self._crashed(active, writer, f"the runtime failed: {exc!r}")
            ended = True
        finally:
            for call in active.calls.values():
                call.cancel()
            if writer is not None:
                await writer.aclose()
            if active.channel is not None:
                await active.channel.aclose()
            if active.lease is not None:
                self.supervisor.release(active.lease.id)
            if self._active.get(run_id) is active:
                del self._active[run_id]
            self.wake()
            if ended:
                record = await _thread(self._get, run_id)
                await self._ended_run(record)

    def _begin(self, active: Active) -> dict[str, Any] | None:
        """QUEUED -> RUNNING and what the runner needs; None when the run cannot start (its
        user may no longer run it: it FAILED)."""
        run_id = active.run_id
        with self.database.session() as session:
            record = runs.get_run(session, run_id)
            if record.state is not RunState.QUEUED:
                return None
            runs.change_state(session, run_id, RunState.RUNNING)
            try:
                job = design.read_job(session, record.job, record.version)
            except BatonError as exc:  # the stored version no longer reads
                runs.add_log(session, run_id, "", f"cannot start: {exc.detail}")
                runs.change_state(session, run_id, RunState.FAILED, error=exc.detail)
                return None
            principal = principal_of(session, record.created_by)
            problems = refusals(session, principal, job)
            if problems:
                error = "not allowed any more: " + "; ".join(problems)
                runs.add_log(session, run_id, "", error)
                runs.change_state(session, run_id, RunState.FAILED, error=error)
                return None
            runs.add_log(
                session,
                run_id,
                "",
                f"started (attempt {record.resumes + 1})" if record.resumes else "started",
            )
            active.principal = principal
            active.resumable = job.settings.resumable
            active.max_duration = job.settings.max_duration
            return {
                "type": "start",
                "run": run_id,
                "job": to_data(job),
                "inputs": record.inputs,
                "finished": runs.finished_nodes(session, run_id),
                "variables": runs.variables(session, run_id),
                "attempts": runs.last_attempts(session, run_id),
            }

    async def _connect(self, active: Active, start: Message, writer: _Writer) -> None:
        definition = self.settings.jobs.runner_definition
        lease = await self.supervisor.acquire(definition, client=f"run {active.run_id}")
        active.lease = lease
        channel = await AsyncChannel.connect(lease.address)
        active.channel = channel
        if lease.ticket is not None:
            hello = hello_for(lease.ticket)
            await channel.send(
                {
                    "type": "hello",
                    "lease": hello.lease,
                    "expires": hello.expires,
                    "nonce": hello.nonce,
                    "time": hello.time,
                    "proof": hello.proof,
                }
            )
        else:
            await channel.send({"type": "hello"})
        answer = await channel.receive()
        if answer is None or answer.get("type") != "welcome":
            reason = answer.get("reason", "") if answer else "it closed the connection"
            raise RuntimeUnavailable(f"runner {lease.server} refused the run: {reason}")
        pid = answer.get("pid")
        active.pid = pid if isinstance(pid, int) and pid > 1 else None
        await channel.send(start)
        writer.put({"type": "runner", "runner": f"{lease.server} (pid {pid})"})
        if active.cancel_requested:
            await channel.send({"type": "cancel"})
        if active.max_duration is not None:
            asyncio.get_running_loop().call_later(active.max_duration, self._overtime, active)

    async def _converse(self, active: Active, writer: _Writer) -> bool:
        """Read the runner's messages until the run ends; whether it ended."""
        channel = active.channel
        assert channel is not None
        while True:
            message = await channel.receive()
            if message is None:
                await self._crashed(active, writer, self._lost(active))
                return True
            kind = message["type"]
            if kind in ("node", "log", "variable"):
                writer.put(message)
                if kind == "log":
                    self._changed(active.run_id)
            elif kind == "call":
                call_id = int(message.get("id", 0))
                active.calls[call_id] = asyncio.create_task(self._calls.answer(active, message))
            elif kind == "process":
                group = message.get("group")
                if isinstance(group, int) and group > 1 and message.get("running"):
                    active.groups.add(group)
                elif isinstance(group, int):
                    active.groups.discard(group)
            elif kind == "abandon":
                task = active.calls.pop(int(message.get("id", 0)), None)
                if task is not None:
                    task.cancel()
            elif kind == "end":
                await writer.flush()
                await _thread(self._finish, active, message)
                return True

    def _lost(self, active: Active) -> str:
        server = self.supervisor.leased(active.lease.id) if active.lease is not None else None
        status = server.exit_status if server is not None else None
        shown = f" (exit status {status})" if status is not None else ""
        return f"its runner ended without finishing the run{shown}"

    def _finish(self, active: Active, message: Message) -> None:
        try:
            state = RunState(str(message.get("state")))
        except ValueError:
            state = RunState.FAILED
        error = str(message.get("error") or "")
        if active.overtime and state in (RunState.CANCELLED, RunState.FAILED):
            state = RunState.FAILED
            error = f"it ran longer than the job's max_duration ({active.max_duration:g} s)"
        elif active.cancel_requested and state is RunState.FAILED:
            state = RunState.CANCELLED
        outputs = message.get("outputs")
        with self.database.session() as session:
            if active.overtime:
                runs.add_log(session, active.run_id, "", error)
            runs.change_state(
                session,
                active.run_id,
                state,
                error=error,
                outputs=outputs if isinstance(outputs, dict) else {},
            )

    def _overtime(self, active: Active) -> None:
        """The run reached its job's ``max_duration``: stop it; it ends FAILED."""
        if self._active.get(active.run_id) is not active or active.cancel_requested:
            return
        active.overtime = active.cancel_requested = True
        asyncio.get_running_loop().create_task(self._tell_cancel(active))

    async def _crashed(self, active: Active, writer: _Writer | None, reason: str) -> None:
        # The commands the dead process was running are in process groups of their own: stop
        # them, or a resumed run would run them a second time alongside.
        for group in active.groups:
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
        active.groups.clear()
        if writer is not None:
            await writer.flush()
        if active.cancel_requested:
            await _thread(self._cancelled_crash, active.run_id, reason)
            return
        await _thread(self._crashed_sync, active.run_id, reason, active.resumable)

    def _cancelled_crash(self, run_id: int, reason: str) -> None:
        with self.database.session() as session:
            runs.crash_open_nodes(session, run_id)
            runs.add_log(session, run_id, "", f"cancelled; {reason}")
            if runs.get_run(session, run_id).state is RunState.RUNNING:
                runs.change_state(session, run_id, RunState.CANCELLED, error="cancelled")

    def _crashed_sync(self, run_id: int, reason: str, resumable: bool | None) -> None:
        """RUNNING -> CRASHED, and back to the queue when it may be resumed."""
        with self.database.session() as session:
            record = runs.get_run(session, run_id)
            if record.state is not RunState.RUNNING:
                return
            if resumable is None:
                try:
                    resumable = design.read_job(
                        session, record.job, record.version
                    ).settings.resumable
                except BatonError:
                    resumable = False
            open_nodes = runs.crash_open_nodes(session, run_id)
            shown = f" ({', '.join(open_nodes)} were running)" if open_nodes else ""
            runs.add_log(session, run_id, "", f"crashed: {reason}{shown}")
            runs.change_state(session, run_id, RunState.CRASHED, error=reason)
            if not resumable:
                runs.add_log(session, run_id, "", "not resumed: the job is not resumable")
            elif record.resumes >= self.settings.jobs.max_resumes:
                runs.add_log(
                    session, run_id, "", f"not resumed: it crashed {record.resumes + 1} times"
                )
            else:
                runs.resume(session, run_id)
                runs.add_log(session, run_id, "", "queued again, to resume on another runner")

    async def _ended_run(self, record: RunRecord) -> None:
        """Tell whoever waits for the run, and raise ``run.finished``."""
        if record.state is RunState.QUEUED:
            return  # resumed: not over
        self._changed(record.id)
        for future in self._waiting.pop(record.id, []):
            if not future.done():
                future.set_result(record)
        payload = {
            "run": record.id,
            "job": record.job,
            "state": record.state.value,
            "outputs": record.outputs,
            "error": record.error,
        }
        self.events.publish(RUN_FINISHED, payload, source=f"run {record.id}")
