"""Checking a trigger's definition before it is stored: rights, and what each kind watches.

Defining a trigger (creating it, or changing what it watches) needs ``write`` on its job, and
the user must be allowed to run the job and everything it uses (the trigger's runs act as
them). Then, by kind (each refusal names the field):

- ``cron``: ``spec`` is a cron expression (:mod:`baton.jobs.cron`), ``timezone`` an IANA time
  zone, ``catch_up`` a policy; no filter (there is no event to filter); its fixed inputs must
  make a whole run's inputs, since its payload gives little;
- ``event``: ``spec`` is an event name (not ``run.finished``: that is a completion trigger);
- ``completion``: ``spec`` is another job the user may read; a job's own completion is
  refused (it would start itself forever: a loop through several jobs is cut by the
  runtime's chain limit instead);
- ``file``: ``spec`` is a program library the user may read, ``pattern`` a glob of file names
  in its folder (no ``/``); the files already there are remembered as seen;
- ``webhook``: a ``name`` (its URL) and no ``spec``.

A ``filter`` is CEL over ``event`` (an open object) that must be a boolean. Fixed ``inputs``
must be declared inputs of the job, of their declared types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from baton.errors import InvalidInput, JobNotRunnable, PermissionDenied
from baton.jobs import design
from baton.jobs.cron import CronSchedule
from baton.jobs.events import RUN_FINISHED
from baton.jobs.expressions import ExpressionError, check
from baton.jobs.firing import cron_payload, trigger_inputs
from baton.jobs.folders import matching
from baton.jobs.inputs import fit, run_inputs
from baton.jobs.model import Job
from baton.jobs.submit import refusals
from baton.jobs.types import JobType, TypeKind, parse_type
from baton.registry import access, libraries
from baton.registry import jobs as stored_jobs
from baton.registry.access import Principal
from baton.registry.enums import Action, CatchUp, ResourceKind, TriggerKind
from baton.registry.triggers import Definition, check_pattern

#: An event's name (as ``POST /api/events/{name}`` and emit nodes take it).
EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,127}")
#: What a filter sees: the payload, an object of any fields.
FILTER_SCOPE = {"event": JobType.object_of(None)}


@dataclass(frozen=True)
class Checked:
    """A definition ready to store.

    Attributes:
        definition: as given, normalised (a cron expression's spaces).
        next_fire_at: cron: its first time from now.
        seen: file: the matching files already in the folder.
    """

    definition: Definition
    next_fire_at: datetime | None = None
    seen: list[str] | None = None


def check_definition(
    session: Session,
    principal: Principal,
    job_name: str,
    definition: Definition,
    *,
    now: datetime,
) -> Checked:
    """``definition`` for a trigger of ``job_name`` defined by ``principal``, checked.

    Raises:
        NotFound: no such job.
        PermissionDenied: no ``write`` on the job, or ``principal`` may not run it.
        JobNotRunnable: ``principal`` may not run something the job uses.
        InvalidInput: a wrong field (named: spec, pattern, timezone, catch_up, filter,
            inputs.NAME).
    """
    access.require(session, principal, ResourceKind.JOB, job_name, Action.WRITE)
    stored_jobs.load(session, job_name)
    job = design.read_job(session, job_name)
    problems = refusals(session, principal, job)
    if problems:
        if not access.is_allowed(session, principal, ResourceKind.JOB, job_name, Action.RUN):
            raise PermissionDenied("run", f"job {job_name!r}")
        raise JobNotRunnable(job_name, problems)
    kind = definition.kind
    if kind is not TriggerKind.CRON:
        if definition.timezone != "UTC":
            raise InvalidInput("timezone", "only a cron trigger has a time zone")
        if definition.catch_up is not CatchUp.NONE:
            raise InvalidInput("catch_up", "only a cron trigger catches up on missed times")
    if definition.filter:
        _check_filter(definition.filter, kind)
    _check_inputs(job, definition)
    if kind is TriggerKind.CRON:
        checked = starting(session, definition, now=now)
        payload = cron_payload(0, now, catch_up=False)
        run_inputs(job, trigger_inputs(job, definition.inputs, payload))
        return checked
    if kind is TriggerKind.EVENT:
        _check_event(definition.spec)
    elif kind is TriggerKind.COMPLETION:
        _check_watched(session, principal, job_name, definition.spec)
    elif kind is TriggerKind.FILE:
        _check_library(session, principal, definition)
    elif definition.spec:
        raise InvalidInput("spec", "a webhook watches nothing: it is called at /api/hooks/NAME")
    return starting(session, definition, now=now)


def starting(session: Session, definition: Definition, *, now: datetime) -> Checked:
    """``definition`` as it starts (again) from ``now``: a cron trigger's first time, a file
    trigger's files already there (they do not fire).

    Raises:
        InvalidInput: (cron) ``spec`` or ``timezone``; (file) ``spec``, no such library.
    """
    if definition.kind is TriggerKind.CRON:
        schedule = CronSchedule.parse(definition.spec, definition.timezone)
        normal = replace(definition, spec=schedule.expression)
        return Checked(normal, next_fire_at=schedule.next_after(now))
    if definition.kind is TriggerKind.FILE:
        library = libraries.find(session, definition.spec)
        if library is None:
            raise InvalidInput("spec", f"no program library {definition.spec!r}")
        return Checked(definition, seen=matching(Path(library.path), definition.pattern) or [])
    return Checked(definition)


def _check_filter(text: str, kind: TriggerKind) -> None:
    if kind is TriggerKind.CRON:
        raise InvalidInput("filter", "a cron trigger has no event to filter")
    try:
        found = check(text, FILTER_SCOPE)
    except ExpressionError as exc:
        raise InvalidInput("filter", exc.detail) from None
    if found.kind not in (TypeKind.BOOLEAN, TypeKind.ANY):
        raise InvalidInput("filter", f"{text!r} is a {found}, not a boolean")


def _check_inputs(job: Job, definition: Definition) -> None:
    for name, value in definition.inputs.items():
        variable = job.inputs.get(name)
        if variable is None:
            declared = ", ".join(sorted(job.inputs)) or "none"
            raise InvalidInput(
                f"inputs.{name}", f"job {job.name!r} has no such input (its inputs: {declared})"
            )
        try:
            fit(value, parse_type(variable.type))
        except ValueError as exc:
            raise InvalidInput(f"inputs.{name}", str(exc)) from None


def _check_event(name: str) -> None:
    if not EVENT_NAME.fullmatch(name):
        raise InvalidInput(
            "spec",
            f"{name!r} is not an event name (a letter, then up to 127 letters, digits, _ . -)",
        )
    if name == RUN_FINISHED:
        raise InvalidInput("spec", f"{RUN_FINISHED} is followed by a completion trigger")


def _check_watched(session: Session, principal: Principal, job_name: str, watched: str) -> None:
    readable = stored_jobs.find(session, watched) is not None and access.is_allowed(
        session, principal, ResourceKind.JOB, watched, Action.READ
    )
    if not readable:
        raise InvalidInput("spec", f"no job {watched!r} that you may read")
    if watched == job_name:
        raise InvalidInput(
            "spec",
            "a job's own completion cannot trigger it (it would start itself forever); "
            "start it again from a node, or retry its nodes",
        )


def _check_library(session: Session, principal: Principal, definition: Definition) -> None:
    readable = libraries.find(session, definition.spec) is not None and access.is_allowed(
        session, principal, ResourceKind.LIBRARY, definition.spec, Action.READ
    )
    if not readable:
        raise InvalidInput("spec", f"no program library {definition.spec!r} that you may read")
    check_pattern(definition.pattern)
