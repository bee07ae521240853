"""The triggers service: runs start when a cron time comes, an event is raised, a run of another
job ends, a file arrives in a library's folder, or a webhook is called.

:class:`Triggers` lives in the control plane's event loop, opened after the runtime and closed
before it. A fire (:class:`~baton.jobs.firing.Firing`) queues a run as the trigger's user, with
their rights now, and is recorded (``last_fired_at``, the run) and audited in the transaction
that creates the run; a fire that starts no run (the job cannot run any more, a right was
revoked, inputs do not fit) is recorded, logged and audited, and the trigger stays.

- **Cron**: one loop sleeps until the earliest stored next fire time of the enabled cron
  triggers, or until a trigger changes (:meth:`Triggers.changed`), then fires what is due. Each
  fire moves the stored next fire time by compare-and-set in the transaction that creates the
  run, so a restart neither loses nor repeats a fire. Times that came due before this control
  plane started were missed while it was down: the trigger's catch-up policy decides
  (:mod:`baton.jobs.cron`); the fires of a missed time carry ``catch_up: true``.
- **Events and completions**: the event bus hands every event to :meth:`Triggers._on_event`.
  An event fires the enabled event triggers of its name whose filter holds and whose job its
  raiser (the API's caller, the user of the run whose ``emit`` node raised it, a webhook's
  user) may run. ``run.finished`` fires the completion triggers of the run's job, with the
  run's record read from the registry. Runs that triggers start because of one another form a
  chain (a completion, an event a run emits); a fire that would make a chain longer than
  :data:`MAX_CHAIN` is refused, which cuts loops through several jobs (the lengths are kept in
  memory: a restart starts them again).
- **Files**: one loop reads the watched folders when they change (:mod:`baton.jobs.folders`);
  each new matching file fires once (the names seen are kept in the registry, so the files
  that arrive while the control plane is down fire when it starts, and a file removed and
  written again fires again).
- **Webhooks**: :meth:`Triggers.call_hook` fires the webhook's trigger, then raises the event
  ``webhook.NAME`` with the same payload (for wait nodes and event triggers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread

from baton.jobs import cron
from baton.jobs.events import RUN_FINISHED, EventBus, matches
from baton.jobs.firing import Firing, finished, run_user
from baton.jobs.folders import changes, matching
from baton.jobs.runtime import Runtime
from baton.registry import libraries, triggers
from baton.registry.database import Database
from baton.registry.enums import CatchUp, TriggerKind
from baton.registry.records import TriggerRecord
from baton.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The longest chain of runs that triggers start because of one another.
MAX_CHAIN = 10
#: How many runs' chain lengths are remembered.
CHAIN_MEMORY = 10_000
#: The longest the cron loop sleeps without looking (the wall clock may have been changed).
MAX_SLEEP = 60.0
#: Seconds a trigger that failed unexpectedly is left alone.
BACKOFF = 30.0
#: The file loop reads the folders at least every ``file_poll_seconds`` times this.
RESCAN_FACTOR = 10


async def _thread(function: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(function, *args)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Collector:
    """The fires that one :meth:`Triggers.publish` set off."""

    raiser: str
    tasks: list[asyncio.Task[list[int]]] = field(default_factory=list)


@dataclass(frozen=True)
class HookResult:
    """What a webhook call did: its trigger's run, the runs of the event it raised."""

    run: int | None
    runs: list[int]
    woken: int


class Triggers:
    """Fires the registry's triggers (see the module docstring).

    Args:
        settings: the installation's settings (``[jobs]``).
        database: the registry.
        runtime: the runtime (told when runs were queued).
        events: the control plane's events.
        clock: now, timezone-aware.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        runtime: Runtime,
        events: EventBus,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.settings = settings
        self.database = database
        self.runtime = runtime
        self.events = events
        self.clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started_at = clock()
        self._cron_wake = asyncio.Event()
        self._files_wake = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._fires: set[asyncio.Task[list[int]]] = set()
        self._collector: _Collector | None = None
        self._chain: dict[int, int] = {}
        self._broken: dict[int, float] = {}
        self._closing = False
        self._listening = False
        self._firing = Firing(database, settings, clock)

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Start the cron and file loops and listen to events."""
        self._loop = asyncio.get_running_loop()
        self._started_at = self.clock()
        self._closing = False
        if not self._listening:
            self.events.listen(self._on_event)
            self._listening = True
        self._loops = [
            asyncio.create_task(self._cron_loop(), name="baton-triggers-cron"),
            asyncio.create_task(self._file_loop(), name="baton-triggers-files"),
        ]

    async def aclose(self) -> None:
        """Stop firing; fires under way finish (their transactions are not cut)."""
        self._closing = True
        self._files_wake.set()  # a folder watch's thread sees it, so the cancel is not held up
        tasks = [*self._loops, *self._fires]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loops = []

    def changed(self) -> None:
        """A trigger was created, changed or deleted: read them again (from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._wake_loops)

    def _wake_loops(self) -> None:
        self._cron_wake.set()
        self._files_wake.set()

    def _started(self, runs: list[int], depth: int = 0) -> None:
        for run_id in runs:
            self._chain[run_id] = depth
            while len(self._chain) > CHAIN_MEMORY:
                del self._chain[next(iter(self._chain))]
        if runs:
            self.runtime.wake()

    # --- cron ---------------------------------------------------------------------------

    async def _cron_loop(self) -> None:
        while True:
            self._cron_wake.clear()
            try:
                started, wake_at = await _thread(self._cron_pass)
                self._started(started)
            except Exception:
                logger.exception("cron triggers: a pass failed")
                wake_at = None
            delay = MAX_SLEEP
            if wake_at is not None:
                delay = min(MAX_SLEEP, max(0.01, (wake_at - self.clock()).total_seconds() + 0.002))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._cron_wake.wait()

    def _cron_pass(self) -> tuple[list[int], datetime | None]:
        """Fire the due cron triggers; the runs started, and when to look again."""
        now = self.clock()
        with self.database.session() as session:
            found = triggers.enabled_triggers(session, TriggerKind.CRON)
        started: list[int] = []
        for trigger in found:
            if self._broken.get(trigger.id, 0.0) > time.monotonic():
                continue
            try:
                started += self._cron_due(trigger, now)
            except Exception:
                logger.exception("cron trigger %s failed; left alone %g s", trigger.id, BACKOFF)
                self._broken[trigger.id] = time.monotonic() + BACKOFF
        with self.database.session() as session:
            times = [
                t.next_fire_at
                for t in triggers.enabled_triggers(session, TriggerKind.CRON)
                if t.next_fire_at is not None and self._broken.get(t.id, 0.0) <= time.monotonic()
            ]
        return started, min(times, default=None)

    def _cron_due(self, trigger: TriggerRecord, now: datetime) -> list[int]:
        stored = trigger.next_fire_at
        if stored is None or stored > now:
            return []
        schedule = cron.CronSchedule(trigger.spec, cron.zone_of(trigger.timezone))
        missed = stored <= self._started_at  # due before this control plane started
        plan = cron.plan(schedule, stored, now, trigger.catch_up if missed else CatchUp.ALL)
        if plan.skipped:
            more = "more than " if plan.due > cron.MAX_CATCH_UP else ""
            why = f"catch-up {trigger.catch_up.value}" if missed else f"at most {cron.MAX_CATCH_UP}"
            logger.warning(
                "cron trigger %s: %s%d time(s) came due since %s; %d fire (%s), the rest are "
                "skipped",
                trigger.id,
                more,
                plan.due,
                stored.isoformat(),
                plan.fired,
                why,
            )
        started: list[int] = []
        for step in plan.steps:
            run_id = self._firing.cron_step(trigger.id, step, catch_up=missed)
            if run_id is not None:
                started.append(run_id)
        return started

    # --- events -------------------------------------------------------------------------

    async def publish(
        self, name: str, payload: Mapping[str, Any], *, raiser: str, source: str
    ) -> tuple[int, list[int]]:
        """Raise event ``name`` for ``raiser``: the wait nodes it ended, the runs its triggers
        started (once they are queued)."""
        collector = _Collector(raiser)
        previous, self._collector = self._collector, collector
        try:
            woken = self.events.publish(name, payload, source=source)
        finally:
            self._collector = previous
        started: list[int] = []
        if collector.tasks:
            await asyncio.wait(collector.tasks)
        for task in collector.tasks:
            if not task.cancelled() and task.exception() is None:
                started += task.result()
        return woken, started

    def _on_event(self, name: str, payload: dict[str, Any], source: str) -> None:
        if self._closing or self._loop is None:
            return
        collector = self._collector
        raiser = collector.raiser if collector is not None else None
        if raiser is None and source.startswith("user "):
            raiser = source[len("user ") :]
        cause = None
        kind, _, number = source.partition(" ")
        if kind == "run" and number.isdigit():
            cause = int(number)
        task = self._loop.create_task(self._event(name, payload, raiser, cause))
        self._fires.add(task)
        task.add_done_callback(self._fires.discard)
        if collector is not None:
            collector.tasks.append(task)

    async def _event(
        self, name: str, payload: dict[str, Any], raiser: str | None, cause: int | None
    ) -> list[int]:
        try:
            if name == RUN_FINISHED:
                depth = self._chain.get(payload.get("run", 0), 0) + 1
            else:
                depth = self._chain.get(cause, 0) + 1 if cause is not None else 0
            started = await _thread(self._fire_event, name, payload, raiser, cause, depth)
        except Exception:
            logger.exception("event %s: its triggers could not fire", name)
            return []
        self._started(started, depth)
        return started

    def _fire_event(
        self,
        name: str,
        payload: dict[str, Any],
        raiser: str | None,
        cause: int | None,
        depth: int,
    ) -> list[int]:
        with self.database.session() as session:
            if name == RUN_FINISHED:
                verified = finished(session, payload)
                if verified is None:
                    return []
                payload, raiser = verified, None
                found = triggers.enabled_triggers(session, TriggerKind.COMPLETION, verified["job"])
            else:
                found = triggers.enabled_triggers(session, TriggerKind.EVENT, name)
                if found and raiser is None and cause is not None:
                    raiser = run_user(session, cause)
        started: list[int] = []
        for trigger in found:
            if not matches(trigger.filter, payload):
                continue
            run_id, _ = self._firing.fire(
                trigger,
                payload,
                {"event": name},
                raiser=raiser,
                chain=(depth, MAX_CHAIN),
            )
            if run_id is not None:
                started.append(run_id)
        return started

    # --- webhooks -----------------------------------------------------------------------

    async def call_hook(self, trigger: TriggerRecord, payload: dict[str, Any]) -> HookResult:
        """Fire webhook ``trigger`` (whose signature was checked) for ``payload``, then raise
        ``webhook.NAME``.

        Raises:
            BatonError: its run could not start (after the event was raised).
        """
        run_id, error = None, None
        if matches(trigger.filter, payload):
            detail = {"webhook": trigger.name}
            run_id, error = await _thread(self._firing.fire, trigger, payload, detail)
            self._started([run_id] if run_id is not None else [])
        woken, started = await self.publish(
            f"webhook.{trigger.name}",
            payload,
            raiser=trigger.created_by,
            source=f"webhook {trigger.name}",
        )
        if error is not None:
            raise error
        return HookResult(
            run=run_id, runs=[r for r in [run_id, *started] if r is not None], woken=woken
        )

    # --- files ----------------------------------------------------------------------------

    async def _file_loop(self) -> None:
        poll = self.settings.jobs.file_poll_seconds
        while True:
            self._files_wake.clear()
            try:
                folders = await self._scan_files()
                if folders is None:  # no file trigger: nothing to watch until one comes
                    await self._files_wake.wait()
                    continue
                async for _ in changes(
                    folders, self._files_wake, poll=poll, rescan=poll * RESCAN_FACTOR
                ):
                    await self._scan_files()
            except Exception:
                logger.exception("file triggers: a pass failed")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(poll * RESCAN_FACTOR):
                        await self._files_wake.wait()

    async def _scan_files(self) -> set[Path] | None:
        started, folders = await _thread(self._file_pass)
        self._started(started)
        return folders

    def _file_pass(self) -> tuple[list[int], set[Path] | None]:
        """Fire the new files of every enabled file trigger: the runs started, and the
        folders to watch (None: there is no file trigger)."""
        with self.database.session() as session:
            found = triggers.enabled_triggers(session, TriggerKind.FILE)
            paths = {}
            for trigger in found:
                library = libraries.find(session, trigger.spec)
                if library is not None:
                    paths[trigger.id] = Path(library.path)
        if not found:
            return [], None
        started: list[int] = []
        for trigger in found:
            folder = paths.get(trigger.id)
            names = matching(folder, trigger.pattern) if folder is not None else None
            if names is None:
                continue  # an unreadable folder: nothing is forgotten, nothing fires
            try:
                started += self._file_arrivals(trigger, names)
            except Exception:
                logger.exception("file trigger %s failed", trigger.id)
        return started, {path for path in paths.values() if path.is_dir()}

    def _file_arrivals(self, trigger: TriggerRecord, names: list[str]) -> list[int]:
        present = set(names)
        with self.database.session() as session:
            seen = triggers.seen_files(session, trigger.id)
            if set(seen) - present:  # removed: should they come again, they fire again
                seen = [name for name in seen if name in present]
                triggers.set_seen(session, trigger.id, seen)
        started: list[int] = []
        for name in names:
            if name in seen:
                continue
            run_id = self._firing.file_arrived(trigger.id, name)
            if run_id is not None:
                started.append(run_id)
        return started
