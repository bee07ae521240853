"""Starting a run: every way in (REST, SOAP, the CLI, triggers, a parent run's ``job`` node)
goes through :func:`submit`, so the same checks apply to all of them.

A run is accepted only when its user may run the job and every component it uses (programs,
services, sub-jobs; commands need the ``operate`` capability), the pinned version has no
validation error, and the inputs fit the job's declared variables. The run is then created
QUEUED, pinned to that version; the runtime starts it when a slot is free and checks the
permissions again then (:func:`refusals`), since they may have changed while it waited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from baton.errors import JobNotRunnable, NotFound
from baton.jobs import design
from baton.jobs.graph import placed_nodes, rights_needed
from baton.jobs.inputs import run_inputs
from baton.jobs.model import Job
from baton.jobs.validation import errors
from baton.registry import access, runs
from baton.registry import jobs as stored_jobs
from baton.registry import users as stored_users
from baton.registry.access import Principal
from baton.registry.enums import Action, Capability, ResourceKind
from baton.registry.records import RunRecord
from baton.settings import Settings


def refusals(session: Session, principal: Principal, job: Job) -> list[str]:
    """What ``principal`` may not run in ``job`` (empty: everything is allowed)."""
    problems = []
    if not access.is_allowed(session, principal, ResourceKind.JOB, job.name, Action.RUN):
        problems.append(f"{principal.name or 'anonymous'} may not run job {job.name!r}")
    allowed: dict[tuple[str, str], bool] = {}
    for placed in placed_nodes(job):
        node = placed.node
        for kind, name in rights_needed(node, job.name):
            if kind == "host":
                if not principal.can(Capability.OPERATE):
                    problems.append(f"node {node.id}: commands need the operate capability")
                continue
            if (kind, name) not in allowed:
                resource = ResourceKind(kind)
                allowed[(kind, name)] = access.is_allowed(
                    session, principal, resource, name, Action.RUN
                )
            if not allowed[(kind, name)]:
                problems.append(f"node {node.id}: may not run {kind} {name!r}")
    return problems


def visible_run(session: Session, principal: Principal, run_id: int) -> RunRecord:
    """Run ``run_id`` if ``principal`` may see it: its user, operators, and whoever may read
    its job. Anyone else gets :class:`NotFound`, as if it did not exist."""
    record = runs.get_run(session, run_id)
    if record.created_by and record.created_by == principal.name:
        return record
    if principal.can(Capability.OPERATE) or access.is_allowed(
        session, principal, ResourceKind.JOB, record.job, Action.READ
    ):
        return record
    raise NotFound("run", str(run_id))


def principal_of(session: Session, user: str) -> Principal:
    """The principal a run acts as: the user who started it, with their rights now."""
    row = stored_users.find(session, user) if user else None
    if row is None or row.disabled:
        return access.anonymous(session)
    return access.principal_for(session, row, method="run")


def submit(
    session: Session,
    principal: Principal,
    settings: Settings,
    name: str,
    given: Mapping[str, Any],
    *,
    version: int | None = None,
    from_text: bool = False,
    parent_run_id: int | None = None,
) -> RunRecord:
    """Create a QUEUED run of job ``name`` (``version`` None: its latest) for ``principal``.

    Raises:
        NotFound: no such job or version.
        PermissionDenied: ``principal`` may not run the job.
        JobNotRunnable: the version has validation errors, or uses what ``principal`` may not
            run (every problem listed).
        InvalidInput: an input is unknown, missing or of the wrong type (``inputs.NAME``).
    """
    access.require(session, principal, ResourceKind.JOB, name, Action.RUN)
    stored = stored_jobs.get_version(session, name, version)
    job = design.read_job(session, name, stored.version)
    problems = refusals(session, principal, job)
    problems += [
        f"{issue.node or 'job'}: {issue.message}"
        for issue in errors(design.check(session, principal, settings, job))
        if issue.code != "not_allowed"
    ]
    if problems:
        raise JobNotRunnable(name, problems)
    inputs = run_inputs(job, given, from_text=from_text)
    return runs.create_run(
        session,
        name,
        stored.version,
        inputs,
        created_by=principal.name,
        parent_run_id=parent_run_id,
    )
