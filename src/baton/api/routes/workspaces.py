"""Workspaces: the caller's own Jupyter kernels.

The handlers run on the event loop, where the spawner keeps its kernels (never in a thread).

``POST /api/workspaces`` starts a kernel of a workspace definition the caller may ``run`` (the
administer capability may run any) and answers once it runs, with the connection info any
Jupyter client needs. Every user sees and stops only their own kernels: another user's is
404, as if it did not exist. Starting and stopping are audited (``workspace.start``,
``workspace.stop``; the culler's ``workspace.cull`` and ``workspace.exit``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from baton.api.authentication import remote_address
from baton.api.deps import NAME_PATTERN, CurrentPrincipal
from baton.spawner.states import ProcessState
from baton.spawner.workspaces import WorkspaceRecord, Workspaces

router = APIRouter(prefix="/api/workspaces", tags=["workspaces"])

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
    pid: int | None
    connection: KernelConnection


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
        connection=KernelConnection.model_validate(record.connection),
    )


@router.post("", response_model=Workspace, status_code=201, summary="Start a kernel")
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
    return [_view(record) for record in _workspaces(request).list(principal)]


@router.get("/{workspace_id}", response_model=Workspace, summary="Show one of my kernels")
async def get_workspace(
    workspace_id: WorkspaceId, request: Request, principal: CurrentPrincipal
) -> Workspace:
    """One of the caller's kernels (404 for anyone else's)."""
    return _view(_workspaces(request).get(principal, workspace_id))


@router.delete("/{workspace_id}", status_code=204, summary="Stop one of my kernels")
async def stop_workspace(
    workspace_id: WorkspaceId, request: Request, principal: CurrentPrincipal
) -> Response:
    """Shut one of the caller's kernels down; answers once its process is gone."""
    await _workspaces(request).stop(
        principal, workspace_id, remote_addr=remote_address(request.scope)
    )
    return Response(status_code=204)
