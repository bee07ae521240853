"""What one fire of a trigger does in the registry: the run it starts, with which inputs.

:class:`Firing` fires in one transaction that records the fire (``last_fired_at``, the run)
and creates the run, after what makes the fire happen only once: a cron time claimed by
compare-and-set, a file name added to those seen. A fire that starts no run is recorded and
audited in a transaction of its own (the time or the file is consumed all the same).

A trigger's run acts as the trigger's user (``created_by``) with that user's rights when it
fires, through :func:`~baton.jobs.submit.submit` like every other run, so a job that became
invalid or a right that was revoked makes the fire fail (it is recorded and audited; the
trigger stays). The run's inputs are, in this order of precedence:

1. the trigger's fixed ``inputs``;
2. for a job that declares an input named ``event``: the whole payload;
3. each other declared input whose name is a key of the payload: that key's value.

Everything else in the payload is left out (an undeclared input would be refused). The payload
of each kind: cron ``{trigger, at, catch_up}`` (``at``: the scheduled time, ISO 8601 UTC);
event: the event's payload; completion ``{run, job, state, outputs, error}`` (read back from
the registry, not taken from the event); file ``{file, library}``; webhook: the JSON body.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from baton.errors import BatonError, Conflict, NotFound, PermissionDenied
from baton.jobs import design
from baton.jobs.cron import Step
from baton.jobs.events import matches
from baton.jobs.model import Job
from baton.jobs.states import RunState
from baton.jobs.submit import principal_of, submit
from baton.registry import access, runs, triggers
from baton.registry.database import Database
from baton.registry.enums import Action, AuditOutcome, ResourceKind, TriggerKind
from baton.registry.records import RunRecord, TriggerRecord
from baton.settings import Settings

logger = logging.getLogger(__name__)

#: The input that receives the whole payload.
EVENT_INPUT = "event"
#: The run states a completion trigger hears of.
ENDED = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.CRASHED})


def trigger_inputs(
    job: Job, fixed: Mapping[str, Any], payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The inputs given to a run of ``job`` (see the module docstring); :func:`submit` checks
    them against the job's declared inputs."""
    given = dict(fixed)
    for name in job.inputs:
        if name in given:
            continue
        if name == EVENT_INPUT:
            given[name] = dict(payload)
        elif name in payload:
            given[name] = payload[name]
    return given


def cron_payload(trigger: int, at: datetime, *, catch_up: bool) -> dict[str, Any]:
    """A cron trigger's payload for its time ``at``."""
    return {"trigger": trigger, "at": at.isoformat(), "catch_up": catch_up}


def fire(
    session: Session, settings: Settings, trigger: TriggerRecord, payload: Mapping[str, Any]
) -> RunRecord:
    """Queue a run of ``trigger``'s job for ``payload``, as the trigger's user.

    Raises:
        NotFound, PermissionDenied, JobNotRunnable, InvalidInput: as :func:`submit`.
    """
    principal = principal_of(session, trigger.created_by)
    job = design.read_job(session, trigger.job)
    inputs = trigger_inputs(job, trigger.inputs, payload)
    return submit(session, principal, settings, trigger.job, inputs)


def may_run(session: Session, user: str, job: str) -> bool:
    """Whether ``user`` (who raised an event) may run ``job``: an event starts the runs of
    the triggers whose jobs its raiser could have started."""
    principal = principal_of(session, user)
    return access.is_allowed(session, principal, ResourceKind.JOB, job, Action.RUN)


def may_follow(session: Session, user: str, job: str) -> bool:
    """Whether ``user`` (a completion trigger's) may still read ``job``, whose runs it follows."""
    principal = principal_of(session, user)
    return access.is_allowed(session, principal, ResourceKind.JOB, job, Action.READ)


def finished(session: Session, payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``run.finished`` payload of the run ``payload`` names, read from the registry
    (None: no such run, or it has not ended): an event's payload is not taken on trust."""
    run_id = payload.get("run")
    if not isinstance(run_id, int) or isinstance(run_id, bool):
        return None
    try:
        record = runs.get_run(session, run_id)
    except NotFound:
        return None
    if record.state not in ENDED:
        return None
    return {
        "run": record.id,
        "job": record.job,
        "state": record.state.value,
        "outputs": record.outputs,
        "error": record.error,
    }


def run_user(session: Session, run_id: int) -> str | None:
    """Who started run ``run_id`` (None: no such run)."""
    try:
        return runs.get_run(session, run_id).created_by
    except NotFound:
        return None


class Firing:
    """Fires triggers in the registry (each method runs on a worker thread).

    Args:
        database: the registry.
        settings: the installation's settings.
        clock: now, timezone-aware.
    """

    def __init__(self, database: Database, settings: Settings, clock: Callable[[], datetime]):
        self.database = database
        self.settings = settings
        self.clock = clock

    def fire(
        self,
        trigger: TriggerRecord,
        payload: Mapping[str, Any],
        detail: dict[str, Any],
        *,
        raiser: str | None = None,
        chain: tuple[int, int] = (0, 0),
    ) -> tuple[int | None, BatonError | None]:
        """Fire ``trigger`` for ``payload``: the run it started, or why none started.

        ``raiser``: the user who raised the event, who must be allowed to run the job;
        ``chain``: the length of the chain of trigger-started runs this run would have, and
        the longest allowed.
        """
        at = self.clock()
        try:
            with self.database.session() as session:
                length, longest = chain
                if length > longest:
                    raise Conflict(
                        f"it would make a chain of more than {longest} runs started by "
                        "triggers because of one another (a loop?)"
                    )
                if raiser is not None and not may_run(session, raiser, trigger.job):
                    shown = raiser or "anonymous"
                    raise PermissionDenied(
                        "run", f"job {trigger.job!r} (the event's raiser {shown})"
                    )
                if trigger.kind is TriggerKind.COMPLETION and not may_follow(
                    session, trigger.created_by, trigger.spec
                ):
                    raise PermissionDenied("read", f"job {trigger.spec!r}")
                run = fire(session, self.settings, trigger, payload)
                triggers.record_fire(session, trigger.id, at, run=run.id, detail=detail)
            return run.id, None
        except BatonError as exc:
            self.failed(trigger.id, at, exc, detail)
            return None, exc

    def failed(
        self, trigger_id: int, at: datetime, error: BatonError, detail: dict[str, Any]
    ) -> None:
        """Record and audit a fire that started no run (``denied`` for a right missing)."""
        logger.warning("trigger %s started no run: %s", trigger_id, error.detail)
        denied = isinstance(error, PermissionDenied)
        outcome = AuditOutcome.DENIED if denied else AuditOutcome.FAILED
        with contextlib.suppress(NotFound), self.database.session() as session:
            triggers.record_fire(
                session,
                trigger_id,
                at,
                run=None,
                error=error.detail,
                outcome=outcome,
                detail=detail,
            )

    def cron_step(self, trigger_id: int, step: Step, *, catch_up: bool) -> int | None:
        """Apply one step of a cron plan: claim the time (compare-and-set of the stored next
        fire time) and fire for it, in one transaction; the run started."""
        at = self.clock()
        detail: dict[str, Any] = {}
        try:
            with self.database.session() as session:
                if not triggers.advance(session, trigger_id, step.expected, step.next_fire):
                    return None  # changed meanwhile: the next pass reads it again
                if step.fire_at is None:
                    return None
                trigger = triggers.get_trigger(session, trigger_id)
                detail = {"at": step.fire_at.isoformat(), "catch_up": catch_up}
                payload = cron_payload(trigger_id, step.fire_at, catch_up=catch_up)
                run = fire(session, self.settings, trigger, payload)
                triggers.record_fire(session, trigger_id, at, run=run.id, detail=detail)
            return run.id
        except BatonError as exc:
            error = exc
        with self.database.session() as session:
            if not triggers.advance(session, trigger_id, step.expected, step.next_fire):
                return None
        self.failed(trigger_id, at, error, detail)
        return None

    def file_arrived(self, trigger_id: int, name: str) -> int | None:
        """Mark file ``name`` seen by a file trigger and fire for it (when its filter holds),
        in one transaction; the run started."""
        at = self.clock()
        detail: dict[str, Any] = {"file": name}
        try:
            with self.database.session() as session:
                trigger = triggers.get_trigger(session, trigger_id)
                seen = triggers.seen_files(session, trigger_id)
                if name in seen or not trigger.enabled:
                    return None
                triggers.set_seen(session, trigger_id, [*seen, name])
                payload = {"file": name, "library": trigger.spec}
                if not matches(trigger.filter, payload):
                    return None
                run = fire(session, self.settings, trigger, payload)
                triggers.record_fire(session, trigger_id, at, run=run.id, detail=detail)
            return run.id
        except BatonError as exc:
            error = exc
        with contextlib.suppress(NotFound), self.database.session() as session:
            seen = triggers.seen_files(session, trigger_id)
            if name in seen:
                return None
            triggers.set_seen(session, trigger_id, [*seen, name])
        self.failed(trigger_id, at, error, detail)
        return None
