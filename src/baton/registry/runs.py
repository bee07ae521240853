"""Runs of orchestration jobs and their node runs: the runtime's persisted state.

A run is created QUEUED, pinned to the job version it runs, with inputs already checked
(``baton.jobs.inputs``); it moves through :func:`~baton.jobs.states.change_run_state` only, and
every node transition and output is recorded as a node run (one row per node instance and
attempt: ``node`` is the node's path, ``each[3].greet`` inside a foreach). What a resumed run
must not do again is what :func:`finished_nodes` returns.

The queue is FIFO: QUEUED runs by creation time then id; :func:`queue` gives each its
position, so a waiting client can see where its run stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from baton.errors import NotFound
from baton.jobs.states import NODE_TERMINAL, NodeState, RunState, change_run_state
from baton.registry import audit
from baton.registry.jobs import load as load_job
from baton.registry.models import Job, JobVersion, NodeRun, Run, RunLog, utcnow
from baton.registry.paging import paginate
from baton.registry.records import NodeRunRecord, Page, RunLogRecord, RunRecord


def _to_record(session: Session, row: Run, *, position: int | None = None) -> RunRecord:
    job = session.get(Job, row.job_id)
    return RunRecord(
        id=row.id,
        job=job.name if job is not None else "",
        version=row.version,
        state=row.state,
        inputs=dict(row.inputs),
        outputs=dict(row.outputs),
        created_by=row.created_by,
        parent_run_id=row.parent_run_id,
        runner=row.runner,
        resumes=row.resumes,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        position=position,
    )


def load(session: Session, run_id: int, *, for_update: bool = False) -> Run:
    """The ORM run ``run_id``, or :class:`NotFound`."""
    statement = select(Run).where(Run.id == run_id)
    if for_update:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is None:
        raise NotFound("run", str(run_id))
    return row


def create_run(
    session: Session,
    job: str,
    version: int | None,
    inputs: dict[str, Any],
    *,
    created_by: str,
    parent_run_id: int | None = None,
) -> RunRecord:
    """Queue a run of ``job`` at ``version`` (None: the latest), pinned to that version.

    Raises:
        NotFound: no such job, or no such version.
    """
    row = load_job(session, job)
    pinned = version or row.latest_version
    exists = session.scalar(
        select(JobVersion.id).where(JobVersion.job_id == row.id, JobVersion.version == pinned)
    )
    if exists is None:
        raise NotFound("job version", f"{job} version {pinned}")
    run = Run(
        job_id=row.id,
        version=pinned,
        state=RunState.QUEUED,
        inputs=dict(inputs),
        outputs={},
        created_by=created_by,
        parent_run_id=parent_run_id,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        "run.create",
        actor=created_by,
        resource=f"run:{run.id}",
        detail={"job": job, "version": pinned},
    )
    return _to_record(session, run, position=queue_position(session, run.id))


def get_run(session: Session, run_id: int) -> RunRecord:
    """Run ``run_id``, with its position when it is queued."""
    row = load(session, run_id)
    position = queue_position(session, row.id) if row.state is RunState.QUEUED else None
    return _to_record(session, row, position=position)


def change_state(
    session: Session,
    run_id: int,
    target: RunState,
    *,
    error: str | None = None,
    runner: str | None = None,
    outputs: dict[str, Any] | None = None,
) -> RunRecord:
    """Move run ``run_id`` to ``target`` (checked by the one transition function), stamping
    when it started or ended.

    Raises:
        InvalidTransition: the lifecycle does not allow it.
    """
    row = load(session, run_id, for_update=True)
    row.state = change_run_state(row.state, target)
    now = utcnow()
    if target is RunState.RUNNING and row.started_at is None:
        row.started_at = now
    if target in (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED):
        row.finished_at = now
    if error is not None:
        row.error = error
    if runner is not None:
        row.runner = runner
    if outputs is not None:
        row.outputs = dict(outputs)
    session.flush()
    return _to_record(session, row)


def queue(session: Session) -> list[RunRecord]:
    """The queued runs in the order they start, each with its position (1: next)."""
    queued = select(Run).where(Run.state == RunState.QUEUED).order_by(Run.created_at, Run.id)
    rows = session.scalars(queued).all()
    return [_to_record(session, row, position=index) for index, row in enumerate(rows, 1)]


def queue_position(session: Session, run_id: int) -> int | None:
    """Where run ``run_id`` stands in the queue (1: next), or None when it is not queued."""
    ids = list(
        session.scalars(
            select(Run.id).where(Run.state == RunState.QUEUED).order_by(Run.created_at, Run.id)
        )
    )
    return ids.index(run_id) + 1 if run_id in ids else None


def list_runs(
    session: Session,
    *,
    job: str | None = None,
    state: RunState | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    jobs: set[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[RunRecord]:
    """Runs, newest first, filtered by job, state, who started them and when (``jobs``: only
    runs of these jobs, the ones the caller may see)."""
    statement = select(Run).order_by(Run.created_at.desc(), Run.id.desc())
    if job is not None:
        statement = statement.join(Job, Job.id == Run.job_id).where(Job.name == job)
    if jobs is not None:
        statement = statement.where(Run.job_id.in_(select(Job.id).where(Job.name.in_(jobs))))
    if state is not None:
        statement = statement.where(Run.state == state)
    if user is not None:
        statement = statement.where(Run.created_by == user)
    if since is not None:
        statement = statement.where(Run.created_at >= since)
    if until is not None:
        statement = statement.where(Run.created_at < until)
    return paginate(
        session, statement, lambda row: _to_record(session, row), limit=limit, offset=offset
    )


def record_node(
    session: Session,
    run_id: int,
    node: str,
    attempt: int,
    state: NodeState,
    *,
    outputs: dict[str, Any] | None = None,
    error: str = "",
) -> NodeRunRecord:
    """Record node instance ``node``'s attempt reaching ``state`` (its row is created on its
    first state, stamped when it starts running and when it ends)."""
    row = session.scalar(
        select(NodeRun).where(
            NodeRun.run_id == run_id, NodeRun.node_id == node, NodeRun.attempt == attempt
        )
    )
    now = utcnow()
    if row is None:
        row = NodeRun(run_id=run_id, node_id=node, attempt=attempt, state=state, outputs={})
        session.add(row)
    else:
        row.state = state
    if state is NodeState.RUNNING and row.started_at is None:
        row.started_at = now
    if state in NODE_TERMINAL:
        row.finished_at = now
    if outputs is not None:
        row.outputs = dict(outputs)
    if error:
        row.error = error
    session.flush()
    return NodeRunRecord.model_validate(row)


@dataclass
class NodeChange:
    """What a batch of a runner's messages did to one node attempt (see :func:`write_nodes`).

    Attributes:
        node: the node path.
        attempt: the attempt (already numbered after an earlier runner's).
        state: its latest state.
        outputs: its latest outputs (None: unchanged).
        error: its latest error ("" unchanged).
        started_at: when it started running, if it did in this batch.
        finished_at: when it ended, if it did in this batch.
    """

    node: str
    attempt: int
    state: NodeState
    outputs: dict[str, Any] | None = None
    error: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None


def write_nodes(
    session: Session, run_id: int, changes: list[NodeChange], rows: dict[tuple[str, int], int]
) -> None:
    """Write a batch of node attempt changes of run ``run_id`` with one statement each, no
    reads: ``rows`` maps the attempts written before by the same writer to their row ids (and
    gets the new ones), so an attempt not in it is inserted."""
    for change in changes:
        key = (change.node, change.attempt)
        values: dict[str, Any] = {"state": change.state}
        if change.outputs is not None:
            values["outputs"] = change.outputs
        if change.error:
            values["error"] = change.error
        if change.started_at is not None:
            values["started_at"] = change.started_at
        if change.finished_at is not None:
            values["finished_at"] = change.finished_at
        row_id = rows.get(key)
        if row_id is None:
            values.setdefault("outputs", {})
            values.setdefault("error", "")
            inserted = session.execute(
                insert(NodeRun)
                .values(run_id=run_id, node_id=change.node, attempt=change.attempt, **values)
                .returning(NodeRun.id)
            )
            rows[key] = int(inserted.scalar_one())
        else:
            session.execute(update(NodeRun).where(NodeRun.id == row_id).values(**values))


def node_runs(session: Session, run_id: int) -> list[NodeRunRecord]:
    """Every node attempt of run ``run_id``, in the order they were recorded."""
    load(session, run_id)
    rows = session.scalars(select(NodeRun).where(NodeRun.run_id == run_id).order_by(NodeRun.id))
    return [NodeRunRecord.model_validate(row) for row in rows]


def finished_nodes(session: Session, run_id: int) -> dict[str, dict[str, Any]]:
    """The node instances of run ``run_id`` that succeeded or were skipped, with their outputs:
    what a resumed run does not do again."""
    rows = session.scalars(
        select(NodeRun).where(
            NodeRun.run_id == run_id,
            NodeRun.state.in_([NodeState.SUCCEEDED, NodeState.SKIPPED]),
        )
    )
    return {row.node_id: dict(row.outputs) for row in rows}


def set_variable(session: Session, run_id: int, name: str, value: Any) -> None:
    """Record that the run's job variable ``name`` is now ``value``."""
    row = load(session, run_id, for_update=True)
    row.variables = {**row.variables, name: value}
    session.flush()


def variables(session: Session, run_id: int) -> dict[str, Any]:
    """The job variables run ``run_id`` assigned so far."""
    return dict(load(session, run_id).variables)


def last_attempts(session: Session, run_id: int) -> dict[str, int]:
    """Each node instance's highest recorded attempt in run ``run_id``."""
    rows = session.execute(
        select(NodeRun.node_id, func.max(NodeRun.attempt))
        .where(NodeRun.run_id == run_id)
        .group_by(NodeRun.node_id)
    )
    return {node: int(attempt) for node, attempt in rows}


def set_runner(session: Session, run_id: int, runner: str) -> None:
    """Record which runner process runs run ``run_id``."""
    load(session, run_id, for_update=True).runner = runner[:200]
    session.flush()


def running(session: Session) -> list[int]:
    """The runs in state RUNNING, oldest first."""
    statement = select(Run.id).where(Run.state == RunState.RUNNING).order_by(Run.id)
    return list(session.scalars(statement))


def crash_open_nodes(session: Session, run_id: int) -> list[str]:
    """Mark CRASHED the node attempts of run ``run_id`` that were running or waiting when its
    runner died; their paths."""
    rows = session.scalars(
        select(NodeRun).where(
            NodeRun.run_id == run_id,
            NodeRun.state.in_([NodeState.RUNNING, NodeState.WAITING]),
        )
    ).all()
    for row in rows:
        row.state = NodeState.CRASHED
        row.error = row.error or "its runner died"
    session.flush()
    return [row.node_id for row in rows]


def resume(session: Session, run_id: int) -> RunRecord:
    """Put crashed run ``run_id`` back in the queue, counting the resume."""
    row = load(session, run_id, for_update=True)
    row.state = change_run_state(row.state, RunState.QUEUED)
    row.resumes += 1
    row.runner = ""
    session.flush()
    return _to_record(session, row, position=queue_position(session, row.id))


def children(session: Session, run_id: int) -> list[RunRecord]:
    """The runs that run ``run_id``'s job nodes started."""
    rows = session.scalars(select(Run).where(Run.parent_run_id == run_id).order_by(Run.id))
    return [_to_record(session, row) for row in rows]


#: The longest log line kept, in characters.
MAX_LOG_LINE = 10_000


def add_log(
    session: Session, run_id: int, node: str, line: str, *, at: datetime | None = None
) -> None:
    """Append a line to run ``run_id``'s log (``node``: the node path it is about, or "")."""
    session.add(RunLog(run_id=run_id, node=node[:300], line=line[:MAX_LOG_LINE], at=at or utcnow()))


def log_lines(
    session: Session,
    run_id: int,
    *,
    after: int = 0,
    node: str | None = None,
    limit: int = 1000,
) -> list[RunLogRecord]:
    """Run ``run_id``'s log lines after line id ``after``, oldest first (``node``: only the
    lines of that node path and of the instances inside it)."""
    statement = (
        select(RunLog)
        .where(RunLog.run_id == run_id, RunLog.id > after)
        .order_by(RunLog.id)
        .limit(limit)
    )
    if node is not None:
        statement = statement.where(
            (RunLog.node == node)
            | RunLog.node.startswith(node + ".", autoescape=True)
            | RunLog.node.startswith(node + "[", autoescape=True)
            | RunLog.node.startswith(node + "#", autoescape=True)
        )
    return [RunLogRecord.model_validate(row) for row in session.scalars(statement)]
