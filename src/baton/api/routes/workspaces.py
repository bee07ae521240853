"""Workspaces: the caller's own Jupyter kernels.

The handlers run on the event loop, where the spawner keeps its kernels (never in a thread).

``POST /api/workspaces`` starts a kernel of a workspace definition the caller may ``run`` (the
administer capability may run any), here or on the host the definition is bound to, and
answers once it runs, with the connection info any Jupyter client needs.
``POST /api/workspaces/{id}/execute`` runs code in it for a console (the web client's). Every
user sees, uses and stops only their own kernels: another user's is 404, as if it did not
exist. Starting, stopping and running code are audited (``workspace.start``,
``workspace.stop``, ``workspace.execute``; the culler's ``workspace.cull`` and
``workspace.exit``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from baton.api.authentication import remote_address
from baton.api.deps import NAME_PATTERN, CurrentPrincipal
from baton.api.errors import ErrorBody
from baton.spawner.console import (
    MIME_TYPES,
    STREAM_LIMIT,
    Display,
    ErrorOutput,
    Execution,
    ExecutionStatus,
    Output,
    Result,
    Stream,
)
from baton.spawner.states import ProcessState
from baton.spawner.workspaces import WorkspaceRecord, Workspaces

router = APIRouter(prefix="/api/workspaces", tags=["workspaces"])

#: The answer when the host whose spawner runs (or should start) the kernel is away.
HOST_AWAY: dict[int | str, dict[str, object]] = {
    503: {"model": ErrorBody, "description": "The host that runs the kernel is away."}
}

WorkspaceId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Workspace (kernel) id.")
]


class WorkspaceCreate(BaseModel):
    """Which workspace definition to start a kernel of."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    definition: str | None = Field(
        None,
        pattern=NAME_PATTERN,
        max_length=64,
        description="A workspace definition; none: the first enabled one the caller may run.",
    )


class KernelConnection(BaseModel):
    """A Jupyter kernel's connection info: what a connection file holds."""

    ip: str
    transport: str
    shell_port: int
    iopub_port: int
    stdin_port: int
    control_port: int
    hb_port: int
    key: str = Field(description="The HMAC key that signs every message (a secret).")
    signature_scheme: str
    kernel_name: str


class Workspace(BaseModel):
    """One of the caller's kernels."""

    id: str
    definition: str = Field(description="The workspace definition it was started from.")
    state: ProcessState
    execution_state: str = Field(description="What the kernel last said: idle, busy, ...")
    created: datetime
    last_activity: datetime = Field(description="When it was last busy (or started).")
    account: str = Field(description="The OS user the kernel runs as.")
    pid: int | None = Field(description="Its process id, on its host.")
    host: str | None = Field(
        description="The host whose spawner runs it (null: the control plane's own)."
    )
    connection: KernelConnection


class ExecuteRequest(BaseModel):
    """Code to run in a kernel, as a console cell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1, max_length=100_000, description="The code, as typed.")
    timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds it may run; then the kernel is interrupted (status timeout).",
    )


class StreamOutput(BaseModel):
    """Text the code wrote (consecutive pieces of one stream joined)."""

    type: Literal["stream"] = "stream"
    name: Literal["stdout", "stderr"]
    text: str


class ResultOutput(BaseModel):
    """The value of the code's last expression (Jupyter's ``execute_result``)."""

    type: Literal["result"] = "result"
    data: dict[str, str] = Field(
        description=f"MIME type -> content, of {', '.join(MIME_TYPES)}: text, or base64 for "
        "image/png, as Jupyter gives them; application/json as JSON text."
    )


class DisplayOutput(BaseModel):
    """Something the code displayed (Jupyter's ``display_data``)."""

    type: Literal["display"] = "display"
    data: dict[str, str] = Field(description="As a result's.")


class ErrorOutputView(BaseModel):
    """The exception the code raised."""

    type: Literal["error"] = "error"
    ename: str
    evalue: str
    traceback: list[str] = Field(description="Its lines, without ANSI escapes.")


OutputView = Annotated[
    StreamOutput | ResultOutput | DisplayOutput | ErrorOutputView, Field(discriminator="type")
]


class ExecuteResult(BaseModel):
    """What running the code gave."""

    status: ExecutionStatus = Field(
        description="ok; error (it raised); timeout (it ran past its timeout and was "
        "interrupted: the outputs are those so far)."
    )
    execution_count: int | None = Field(description="The kernel's number for this execution.")
    outputs: list[OutputView] = Field(
        description=f"In order. Stream text is kept up to {STREAM_LIMIT:,} characters, "
        "then a last stderr note says the rest was cut."
    )


def _workspaces(request: Request) -> Workspaces:
    workspaces: Workspaces = request.app.state.spawner.workspaces
    return workspaces


def _view(record: WorkspaceRecord) -> Workspace:
    return Workspace(
        id=record.id,
        definition=record.definition,
        state=record.state,
        execution_state=record.execution_state,
        created=record.created,
        last_activity=record.last_activity,
        account=record.account,
        pid=record.pid,
        host=record.host,
        connection=KernelConnection.model_validate(record.connection),
    )


def _output(output: Output) -> StreamOutput | ResultOutput | DisplayOutput | ErrorOutputView:
    if isinstance(output, Stream):
        name: Literal["stdout", "stderr"] = "stderr" if output.name == "stderr" else "stdout"
        return StreamOutput(name=name, text=output.text)
    if isinstance(output, Result):
        return ResultOutput(data=dict(output.data))
    if isinstance(output, Display):
        return DisplayOutput(data=dict(output.data))
    assert isinstance(output, ErrorOutput)
    return ErrorOutputView(
        ename=output.ename, evalue=output.evalue, traceback=list(output.traceback)
    )


def _result(execution: Execution) -> ExecuteResult:
    return ExecuteResult(
        status=execution.status,
        execution_count=execution.execution_count,
        outputs=[_output(output) for output in execution.outputs],
    )


@router.post(
    "", response_model=Workspace, status_code=201, summary="Start a kernel", responses=HOST_AWAY
)
async def start_workspace(
    request: Request,
    principal: CurrentPrincipal,
    body: Annotated[WorkspaceCreate | None, Body()] = None,
) -> Workspace:
    """Start a Jupyter kernel for the caller (``run`` on its definition) and answer once it
    runs. With ``connection`` any Jupyter client connects, as
    ``jupyter console --existing FILE`` with it saved as FILE."""
    record = await _workspaces(request).start(
        principal,
        definition=body.definition if body is not None else None,
        remote_addr=remote_address(request.scope),
    )
    return _view(record)


@router.get("", response_model=list[Workspace], summary="List my kernels")
async def list_workspaces(request: Request, principal: CurrentPrincipal) -> list[Workspace]:
    """The caller's own kernels, oldest first."""
    return [_view(record) for record in await _workspaces(request).list(principal)]


@router.get(
    "/{workspace_id}",
    response_model=Workspace,
    summary="Show one of my kernels",
    responses=HOST_AWAY,
)
async def get_workspace(
    workspace_id: WorkspaceId, request: Request, principal: CurrentPrincipal
) -> Workspace:
    """One of the caller's kernels (404 for anyone else's)."""
    return _view(await _workspaces(request).get(principal, workspace_id))


@router.delete(
    "/{workspace_id}", status_code=204, summary="Stop one of my kernels", responses=HOST_AWAY
)
async def stop_workspace(
    workspace_id: WorkspaceId, request: Request, principal: CurrentPrincipal
) -> Response:
    """Shut one of the caller's kernels down; answers once its process is gone."""
    await _workspaces(request).stop(
        principal, workspace_id, remote_addr=remote_address(request.scope)
    )
    return Response(status_code=204)


@router.post(
    "/{workspace_id}/execute",
    response_model=ExecuteResult,
    summary="Run code in one of my kernels",
    responses=HOST_AWAY,
)
async def execute_in_workspace(
    workspace_id: WorkspaceId,
    body: ExecuteRequest,
    request: Request,
    principal: CurrentPrincipal,
) -> ExecuteResult:
    """Run ``code`` in one of the caller's kernels, as a console cell, and answer with what it
    printed, displayed, returned or raised. Past ``timeout`` seconds the kernel is interrupted
    (so it takes the next cell) and the answer is ``timeout`` with the outputs so far. A
    kernel that is not running (starting, stopping, ended) is 409; anyone else's is 404."""
    execution = await _workspaces(request).execute(
        principal,
        workspace_id,
        body.code,
        body.timeout,
        remote_addr=remote_address(request.scope),
    )
    return _result(execution)
