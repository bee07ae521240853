"""The Runtime Server's API: start runs, follow them, cancel them; raise events.

``POST /api/jobs/{name}/runs`` queues a run (201, with its place in the queue) after checking
that the caller may run the job and everything it uses, that the version has no validation
error (409 ``job_not_runnable`` listing each problem) and that the inputs fit (400 naming
``inputs.NAME``). ``?wait=SECONDS`` answers once the run has ended, or with its state then.

Rights: a run is visible to whoever may read its job, and to the user who started it;
cancelling another user's run needs the ``operate`` capability or ``administer`` on its job.
The log is JSON lines by default, server-sent events with ``?follow=1`` (one ``log`` event per
line, with its ``id`` so that ``Last-Event-ID`` resumes, then an ``end`` event with the run's
final state).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from baton.api.deps import CurrentPrincipal, Paging, Registry
from baton.api.routes.jobs import JobName
from baton.errors import InvalidInput
from baton.jobs import design
from baton.jobs.events import RUN_FINISHED
from baton.jobs.runtime import Runtime
from baton.jobs.states import RunState
from baton.jobs.submit import visible_run
from baton.jobs.triggers import Triggers
from baton.registry import runs
from baton.registry.access import Principal, require_capability
from baton.registry.database import Database
from baton.registry.enums import Capability
from baton.registry.records import NodeRunRecord, Page, RunLogRecord, RunRecord

router = APIRouter(tags=["runs"])

RunId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The run's id.")]
#: Seconds between keep-alive comments on a followed log.
KEEPALIVE = 15.0
#: The longest ``?wait=``, in seconds.
MAX_WAIT = 3600.0
EVENT_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$"


class RunRequest(BaseModel):
    """What a new run is given."""

    inputs: dict[str, Any] = Field(default_factory=dict, description="Input values by name.")
    version: int | None = Field(None, ge=1, description="The version to run; none: the latest.")
    from_text: bool = Field(
        False,
        description="Every input value is command-line text, converted to its declared type "
        "(`3`, `true`, a JSON list or object).",
    )


class RunDetail(BaseModel):
    """A run with its node attempts."""

    run: RunRecord
    nodes: list[NodeRunRecord]


class EventAnswer(BaseModel):
    """What an event did."""

    name: str
    woken: int = Field(description="Wait nodes it ended.")
    runs: list[int] = Field(description="Runs its triggers started.")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _load_visible(database: Database, principal: Principal, run_id: int) -> RunRecord:
    """Run ``run_id`` if ``principal`` may see it (404 otherwise: its existence is not told)."""
    with database.session() as session:
        return visible_run(session, principal, run_id)


@router.post(
    "/api/jobs/{name}/runs",
    status_code=201,
    response_model=RunRecord,
    summary="Run a job",
    responses={409: {"description": "The job cannot run (problems listed)."}},
)
async def start_run(
    name: JobName,
    principal: CurrentPrincipal,
    request: Request,
    body: Annotated[RunRequest, Body()] = RunRequest(),  # noqa: B008 - pydantic default
    wait: Annotated[
        float | None, Query(gt=0, le=MAX_WAIT, description="Answer once it ended (seconds).")
    ] = None,
) -> RunRecord:
    """Queue a run of the job; it starts when a runner slot is free (``position``)."""
    runtime = runtime_of(request)
    record = await runtime.start(
        principal, name, body.inputs, version=body.version, from_text=body.from_text
    )
    if wait is not None:
        with contextlib.suppress(TimeoutError):
            record = await runtime.wait(record.id, wait)
        if record.state is RunState.QUEUED or record.state is RunState.RUNNING:
            record = await anyio.to_thread.run_sync(
                _load_visible, request.app.state.database, principal, record.id
            )
    return record


@router.get("/api/runs", response_model=Page[RunRecord], summary="List runs")
def list_runs(
    principal: CurrentPrincipal,
    registry: Registry,
    page: Paging,
    job: Annotated[str | None, Query(max_length=200, description="Only this job's runs.")] = None,
    state: Annotated[RunState | None, Query(description="Only runs in this state.")] = None,
    user: Annotated[str | None, Query(max_length=64, description="Started by.")] = None,
    since: Annotated[datetime | None, Query(description="Created at or after.")] = None,
    until: Annotated[datetime | None, Query(description="Created before.")] = None,
) -> Page[RunRecord]:
    """Runs newest first: of the jobs the caller may read (all of them for operators)."""
    with registry.session() as session:
        visible = (
            None if principal.can(Capability.OPERATE) else design.readable_names(session, principal)
        )
        return runs.list_runs(
            session,
            job=job,
            state=state,
            user=user,
            since=since,
            until=until,
            jobs=visible,
            limit=page.limit,
            offset=page.offset,
        )


@router.get("/api/runs/queue", response_model=list[RunRecord], summary="The run queue")
def run_queue(principal: CurrentPrincipal, registry: Registry) -> list[RunRecord]:
    """The queued runs the caller may see, in the order they start (``position`` 1: next)."""
    with registry.session() as session:
        queued = runs.queue(session)
        if principal.can(Capability.OPERATE):
            return queued
        readable = design.readable_names(session, principal)
    return [r for r in queued if r.job in readable or r.created_by == principal.name]


@router.get("/api/runs/{run_id}", response_model=RunDetail, summary="Show a run")
def get_run(run_id: RunId, principal: CurrentPrincipal, registry: Registry) -> RunDetail:
    """The run (state, inputs, outputs, error, queue position) and every node attempt."""
    record = _load_visible(registry, principal, run_id)
    with registry.session() as session:
        return RunDetail(run=record, nodes=runs.node_runs(session, run_id))


@router.post("/api/runs/{run_id}/cancel", response_model=RunRecord, summary="Cancel a run")
async def cancel_run(run_id: RunId, principal: CurrentPrincipal, request: Request) -> RunRecord:
    """A queued run ends at once; a running one is told to stop (its commands, programs and
    child runs stop) and ends CANCELLED shortly after."""
    await anyio.to_thread.run_sync(_load_visible, request.app.state.database, principal, run_id)
    return await runtime_of(request).cancel(run_id, principal)


@router.get(
    "/api/runs/{run_id}/log",
    response_model=list[RunLogRecord],
    summary="A run's log",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def run_log(
    run_id: RunId,
    principal: CurrentPrincipal,
    request: Request,
    node: Annotated[str | None, Query(max_length=300, description="Only this node's.")] = None,
    after: Annotated[int, Query(ge=0, description="Lines after this id.")] = 0,
    follow: Annotated[bool, Query(description="Stream new lines (server-sent events).")] = False,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> Any:
    """The log lines (per node with ``node``); ``follow=1`` streams until the run ends."""
    database: Database = request.app.state.database
    await anyio.to_thread.run_sync(_load_visible, database, principal, run_id)

    def read(start: int) -> tuple[list[RunLogRecord], RunRecord]:
        with database.session() as session:
            lines = runs.log_lines(session, run_id, after=start, node=node)
            return lines, runs.get_run(session, run_id)

    if not follow:
        lines, _ = await anyio.to_thread.run_sync(read, after)
        return lines
    runtime = runtime_of(request)
    start = last_event_id if last_event_id is not None else after

    async def events() -> AsyncIterator[str]:
        position = start
        while True:
            changed = runtime.log_changed(run_id)
            lines, record = await anyio.to_thread.run_sync(read, position)
            for line in lines:
                position = line.id
                yield f"id: {line.id}\nevent: log\ndata: {line.model_dump_json()}\n\n"
            if lines:
                continue
            if runtime.ended(record):
                data = json.dumps({"state": record.state.value, "error": record.error})
                yield f"event: end\ndata: {data}\n\n"
                return
            try:
                async with asyncio.timeout(KEEPALIVE):
                    await changed.wait()
            except TimeoutError:
                yield ": keep-alive\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.post("/api/events/{name}", response_model=EventAnswer, summary="Raise a named event")
async def raise_event(
    principal: CurrentPrincipal,
    request: Request,
    name: Annotated[str, Path(pattern=EVENT_NAME, description="The event's name.")],
    payload: Annotated[dict[str, Any] | None, Body(description="The event's payload.")] = None,
) -> EventAnswer:
    """Ends the wait nodes waiting for it (whose filter holds) and fires the event triggers of
    the jobs the caller may run; answers once their runs are queued. Needs the ``run_jobs``
    capability. ``run.finished`` and ``webhook.*`` are raised by the runtime and by webhooks
    only."""
    require_capability(principal, Capability.RUN_JOBS)
    if name == RUN_FINISHED or name.startswith("webhook."):
        raise InvalidInput("name", f"{name!r} is raised by Baton itself, not through the API")
    triggers: Triggers = request.app.state.triggers
    woken, started = await triggers.publish(
        name, payload or {}, raiser=principal.name, source=f"user {principal.name}"
    )
    return EventAnswer(name=name, woken=woken, runs=started)
