"""What host spawners call on the control plane, with their host token (not a user's).

- ``POST /api/spawner/join`` ``{"url", "secret"}``: the host's spawner listens at ``url`` and
  is called with ``secret``; it joins again every heartbeat.
- ``GET /api/spawner/plans``: the enabled definitions that list the host, each with its launch
  credential's user and password (checked on the host, against its own accounts).
- ``POST /api/spawner/authorize`` ``{"authorization", "definition"}``: a user asked the host's
  spawner for a server with these credentials (Basic or Bearer): are they valid, and may the
  user ``run`` that definition? The registry decides (PAM for host-authenticated users).
- ``POST /api/spawner/workspaces/ended`` ``{"workspace", "action", "problem"}``: the host's
  spawner culled a kernel it ran for this control plane, or found it ended: it is forgotten
  and audited (``workspace.cull``, ``workspace.exit``). Only that host's own kernels.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from baton.api.authentication import from_authorization
from baton.errors import AuthenticationFailed, SecretError
from baton.registry import access, credentials, definitions, hosts
from baton.registry.database import Database
from baton.registry.enums import Action, Capability, ResourceKind
from baton.registry.records import HostRecord
from baton.registry.signin import Attempt
from baton.registry.vault import Vault
from baton.spawner.remote import HEARTBEAT

router = APIRouter(prefix="/api/spawner", tags=["spawner"])


class Join(BaseModel):
    """Where a host's spawner listens and the secret it is called with."""

    url: str = Field(pattern=r"^https?://[A-Za-z0-9_.:\[\]-]+(:\d{1,5})?$", max_length=300)
    secret: str = Field(min_length=32, max_length=200)


class Joined(BaseModel):
    """The control plane's answer to a join."""

    host: str
    heartbeat: float = Field(description="Seconds until the spawner should join again.")


async def host_caller(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> HostRecord:
    """The host whose token the request carries (checked before the body is read)."""
    return await _host(request.app.state.database, authorization)


#: A route only host spawners call, with their host token.
HostCaller = Annotated[HostRecord, Depends(host_caller)]


async def _host(database: Database, authorization: str | None) -> HostRecord:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed("a host token is required (Authorization: Bearer bh_...)")

    def check() -> HostRecord | None:
        with database.session() as session:
            return hosts.check_host_token(session, token.strip())

    host = await anyio.to_thread.run_sync(check)
    if host is None:
        raise AuthenticationFailed("the host token is wrong, revoked, or its host is disabled")
    return host


@router.post("/join", response_model=Joined, summary="A host's spawner joins")
async def join(host: HostCaller, body: Join, request: Request) -> Joined:
    """Record where the host's spawner listens (called again every heartbeat)."""
    request.app.state.hosts.join(host.name, body.url.rstrip("/"), body.secret)
    return Joined(host=host.name, heartbeat=HEARTBEAT)


class Authorize(BaseModel):
    """A user's credentials as they reached a host's spawner, and what they asked for."""

    authorization: str = Field(min_length=1, max_length=4096)
    definition: str = Field(min_length=1, max_length=64)


class Authorized(BaseModel):
    """Who the user is."""

    user: str


@router.post("/authorize", response_model=Authorized, summary="Check a user for a host spawner")
async def authorize(host: HostCaller, body: Authorize, request: Request) -> Authorized:
    """The user behind ``body.authorization``, if they may ``run`` ``body.definition``."""
    database: Database = request.app.state.database
    attempt = Attempt(remote_addr=f"spawner:{host.name}")
    principal = await from_authorization(request.app.state.sign_in, body.authorization, attempt)

    def check() -> None:
        with database.session() as session:
            if principal.can(Capability.ADMINISTER):
                return
            access.require(
                session, principal, ResourceKind.SERVER_DEFINITION, body.definition, Action.RUN
            )

    await anyio.to_thread.run_sync(check)
    return Authorized(user=principal.name)


@router.get("/plans", summary="The definitions a host's spawner runs")
async def plans(host: HostCaller, request: Request) -> dict[str, Any]:
    """The host's enabled definitions, with their launch credentials' users and passwords."""
    database: Database = request.app.state.database
    key_path = request.app.state.settings.key_path

    def read() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with database.session() as session:
            for name in definitions.names_on_host(session, host.name):
                record = definitions.get_definition(session, name)
                item: dict[str, Any] = {"definition": record.model_dump(mode="json")}
                if record.credential:
                    try:
                        with Vault.using(key_path) as vault:
                            item["credential"] = list(
                                credentials.reveal(session, vault, record.credential)
                            )
                    except (SecretError, OSError) as exc:
                        item["problem"] = f"its secret cannot be read: {exc}"
                items.append(item)
        return items

    return {"host": host.name, "definitions": await anyio.to_thread.run_sync(read)}


class KernelEnded(BaseModel):
    """A kernel that a host's spawner culled or found ended."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The kernel's id.")
    action: Literal["workspace.cull", "workspace.exit"]
    problem: str = Field("", max_length=500, description="Why: idle for how long, its status.")


@router.post("/workspaces/ended", status_code=204, summary="A host's kernel ended")
async def workspace_ended(host: HostCaller, body: KernelEnded, request: Request) -> Response:
    """Forget and audit a kernel that the calling host's spawner culled or found ended (a
    kernel of another host, or unknown, is ignored)."""
    workspaces = request.app.state.spawner.workspaces
    await workspaces.ended_elsewhere(host.name, body.workspace, body.action, body.problem)
    return Response(status_code=204)
