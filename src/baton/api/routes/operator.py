"""The spawner's operator interface: servers, definitions, the operator session, the trace.

Every route needs the operate capability; reading needs nothing more. A change (stop, kill,
quiesce, pause, resume, reset, refresh, trace) needs the operator session of this host's
spawner, which one operator holds at a time:

- ``POST /api/operator/session`` takes it and keeps it until ``DELETE /api/operator/session``,
  or until it lapses after ``lapse_seconds`` without a change; an administrator may take it
  over from another operator with ``{"force": true}`` (audited, naming the previous holder).
- A change by an operator who does not hold the session borrows it for that one change when
  it is free, and frees it again afterwards: a one-shot ``baton operator stop ID`` does not
  lock the other operators out.
- A change, or a take without ``force``, while another operator holds the session is refused
  with 409 ``operator_busy``: "operator session held by X since T".

Every change is audited as ``operator.*`` with the actor, the resource (``server:ID``,
``server_definition:NAME``, ``spawner:local``) and the outcome: ``ok``, ``failed`` (with the
error's code), or ``denied`` (another operator held the session).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from weakref import WeakKeyDictionary

import anyio.to_thread
import httpx
from fastapi import APIRouter, Path, Query, Request

from baton.api.authentication import remote_address
from baton.api.deps import Name, Operator
from baton.api.operator_views import (
    DefinitionView,
    HostView,
    RefreshResult,
    RemoteServerView,
    ServerView,
    SessionView,
    StopResult,
    TakeBody,
    TraceBody,
    TraceView,
    definition_view,
    server_view,
    session_view,
)
from baton.errors import BatonError, NotFound, OperatorBusy, PermissionDenied, SpawnFailed
from baton.registry import audit
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome, Capability
from baton.spawner.remote import JoinedHost, JoinedHosts, load_of, servers_of
from baton.spawner.service import HostSpawner
from baton.spawner.supervisor import Supervisor

router = APIRouter(prefix="/api/operator", tags=["operator"])

#: A definition as the spawner runs it: ``NAME``, or ``NAME.SERVICE`` for a service's servers.
PlanName = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}(\.[A-Za-z][A-Za-z0-9_-]{0,63})?$",
        max_length=129,
        description="A definition's name, or DEFINITION.SERVICE for a service's servers.",
    ),
]

#: A server id in a URL path (``DEFINITION-N``); an id that names no server is a 404.
ServerId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_.-]{1,150}$",
        description="Server id, DEFINITION-N (DEFINITION.SERVICE-N for a service's).",
    ),
]
#: The most trace lines one answer carries (the supervisor keeps 1,000).
MAX_TRACE_LINES = 1000


@dataclass
class _Tenure:
    """How the current holder holds a spawner's operator session.

    Attributes:
        explicit: they took it with ``POST /session`` (kept until released or lapsed).
        borrows: changes in flight that borrowed it (freed when the last one ends).
    """

    explicit: bool = False
    borrows: int = 0


_tenures: WeakKeyDictionary[HostSpawner, _Tenure] = WeakKeyDictionary()


@dataclass
class _Change:
    """One audited change in progress: the spawner it acts on, what the audit will say."""

    spawner: HostSpawner
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def supervisor(self) -> Supervisor:
        return self.spawner.supervisor


def _spawner(request: Request) -> HostSpawner:
    spawner: HostSpawner = request.app.state.spawner
    return spawner


def _tenure(spawner: HostSpawner) -> _Tenure:
    return _tenures.setdefault(spawner, _Tenure())


def _resource(spawner: HostSpawner) -> str:
    return f"spawner:{spawner.host or 'local'}"


async def _audit(
    request: Request,
    principal: Principal,
    action: str,
    resource: str,
    outcome: AuditOutcome,
    detail: dict[str, Any],
) -> None:
    database: Database = request.app.state.database

    def write() -> None:
        with database.session() as session:
            audit.record(
                session,
                action,
                actor=principal.name,
                resource=resource[:300],
                outcome=outcome,
                remote_addr=remote_address(request.scope),
                detail=detail,
            )

    await anyio.to_thread.run_sync(write)


@asynccontextmanager
async def _changing(
    request: Request, principal: Principal, action: str, resource: str
) -> AsyncIterator[_Change]:
    """Hold (or borrow) the operator session around one change, and audit it."""
    spawner = _spawner(request)
    operator, tenure, user = spawner.operator, _tenure(spawner), principal.name
    change = _Change(spawner)
    held = operator.holder == user
    try:
        operator.take(user)
    except OperatorBusy as error:
        detail = {"holder": error.holder, "since": error.since}
        await _audit(request, principal, action, resource, AuditOutcome.DENIED, detail)
        raise
    if not held:
        tenure.explicit = False  # a new tenure, begun by this borrow
    tenure.borrows += 1
    try:
        yield change
    except Exception as error:
        code = error.code if isinstance(error, BatonError) else "internal_error"
        detail = {**change.detail, "error": code}
        await _audit(request, principal, action, resource, AuditOutcome.FAILED, detail)
        raise
    finally:
        tenure.borrows -= 1
        if not tenure.borrows and not tenure.explicit and operator.holder == user:
            operator.release(user)
    await _audit(request, principal, action, resource, AuditOutcome.OK, change.detail)


# --- the session -----------------------------------------------------------------------------


@router.get("/session", response_model=SessionView, summary="Who holds the operator session")
async def show_session(request: Request, principal: Operator) -> SessionView:
    """The holder and since when (a lapsed session shows as free)."""
    return session_view(_spawner(request).operator, principal.name)


@router.post("/session", response_model=SessionView, summary="Take the operator session")
async def take_session(request: Request, body: TakeBody, principal: Operator) -> SessionView:
    """Take the session and keep it until it is released or lapses. 409 when another operator
    holds it; ``force`` takes it over (administrators only)."""
    spawner = _spawner(request)
    operator, resource = spawner.operator, _resource(spawner)
    if body.force and not principal.can(Capability.ADMINISTER):
        raise PermissionDenied("take over", "the operator session")
    previous = session_view(operator, principal.name).holder
    detail: dict[str, Any] = {"force": body.force, "previous": previous}
    try:
        operator.take(principal.name, force=body.force)
    except OperatorBusy as error:
        detail["since"] = error.since
        outcome = AuditOutcome.DENIED
        await _audit(request, principal, "operator.session.take", resource, outcome, detail)
        raise
    _tenure(spawner).explicit = True
    await _audit(request, principal, "operator.session.take", resource, AuditOutcome.OK, detail)
    return session_view(operator, principal.name)


@router.delete("/session", response_model=SessionView, summary="Release the operator session")
async def release_session(request: Request, principal: Operator) -> SessionView:
    """Free the session if the caller holds it (otherwise nothing changes); the session after."""
    spawner = _spawner(request)
    operator = spawner.operator
    if operator.release(principal.name):
        _tenure(spawner).explicit = False
        await _audit(
            request,
            principal,
            "operator.session.release",
            _resource(spawner),
            AuditOutcome.OK,
            {},
        )
    return session_view(operator, principal.name)


# --- views -----------------------------------------------------------------------------------


@router.get("/hosts", response_model=list[HostView], summary="Other hosts' spawners")
async def list_hosts(request: Request, principal: Operator) -> list[HostView]:
    """Every host spawner that joined, with the servers it runs (asked of each, in parallel)."""
    joined: JoinedHosts = request.app.state.hosts

    async def view(host: JoinedHost) -> HostView:
        silent = time.monotonic() - host.seen
        try:
            reported = await servers_of(host)
            servers = [RemoteServerView.model_validate(item) for item in reported]
        except (httpx.HTTPError, ValueError) as exc:
            return HostView(
                name=host.name,
                url=host.url,
                silent=silent,
                servers=[],
                clients=0,
                cost=0,
                error=str(exc),
            )
        load = load_of(host.name, reported)
        return HostView(
            name=host.name,
            url=host.url,
            silent=silent,
            servers=servers,
            clients=load.clients,
            cost=load.cost,
            error="",
        )

    return list(await asyncio.gather(*(view(host) for host in joined.all())))


@router.post(
    "/hosts/{host}/servers/{server_id}/{verb}",
    response_model=StopResult,
    summary="Stop or kill a server of another host",
)
async def stop_remote_server(
    request: Request,
    host: Name,
    server_id: ServerId,
    verb: Annotated[str, Path(pattern=r"^(stop|kill)$", description="stop or kill.")],
    principal: Operator,
) -> StopResult:
    """Have the host's spawner stop (SIGTERM, then SIGKILL) or kill (SIGKILL) one of its
    servers; answers once it exited."""
    joined: JoinedHosts = request.app.state.hosts
    if host not in {known.name for known in joined.all()}:
        raise NotFound("host spawner", host)
    action, resource = f"operator.server.{verb}", f"host:{host}/server:{server_id}"
    async with _changing(request, principal, action, resource) as change:
        spawner = joined.get(host)
        headers = {"Authorization": f"Bearer {spawner.secret}"}
        try:
            async with httpx.AsyncClient(headers=headers, timeout=60) as client:
                answer = await client.post(f"{spawner.url}/v1/servers/{server_id}/{verb}")
        except httpx.HTTPError as exc:
            raise SpawnFailed(f"host {host!r}", f"its spawner did not answer: {exc}") from exc
        if answer.status_code == 404:
            raise NotFound("server", server_id)
        if answer.status_code != 200:
            raise SpawnFailed(f"host {host!r}", answer.text[:300])
        result = StopResult.model_validate(answer.json())
        change.detail["exit_status"] = result.exit_status
    return result


@router.get("/servers", response_model=list[ServerView], summary="This host's servers")
async def list_servers(
    request: Request,
    principal: Operator,
    definition: Annotated[
        str | None, Query(max_length=64, description="Only this definition's.")
    ] = None,
) -> list[ServerView]:
    """Every server process the spawner supervises, by definition then id."""
    servers = _spawner(request).supervisor.servers()
    return [
        server_view(server)
        for server in servers
        if definition is None or definition in (server.plan.key, server.plan.definition)
    ]


@router.get(
    "/definitions", response_model=list[DefinitionView], summary="This host's server definitions"
)
async def list_definitions(request: Request, principal: Operator) -> list[DefinitionView]:
    """Every definition the spawner runs: failed, paused, quiesced, waiting clients, servers."""
    runs = _spawner(request).supervisor.definitions()
    return [definition_view(run) for _, run in sorted(runs.items())]


# --- servers ---------------------------------------------------------------------------------


async def _stop(request: Request, principal: Principal, server_id: str, kill: bool) -> StopResult:
    verb = "kill" if kill else "stop"
    action, resource = f"operator.server.{verb}", f"server:{server_id}"
    async with _changing(request, principal, action, resource) as change:
        status = await change.supervisor.stop_server(server_id, kill=kill)
        change.detail["exit_status"] = status
    return StopResult(server=server_id, killed=kill, exit_status=status)


@router.post("/servers/{server_id}/stop", response_model=StopResult, summary="Stop a server")
async def stop_server(request: Request, server_id: ServerId, principal: Operator) -> StopResult:
    """SIGTERM, then SIGKILL after ``spawner.stop_grace`` seconds; answers once it exited. The
    supervisor starts another one if its definition's floors need it."""
    return await _stop(request, principal, server_id, kill=False)


@router.post("/servers/{server_id}/kill", response_model=StopResult, summary="Kill a server")
async def kill_server(request: Request, server_id: ServerId, principal: Operator) -> StopResult:
    """SIGKILL at once; answers once it exited."""
    return await _stop(request, principal, server_id, kill=True)


@router.post("/servers/{server_id}/quiesce", response_model=ServerView, summary="Quiesce a server")
async def quiesce_server(request: Request, server_id: ServerId, principal: Operator) -> ServerView:
    """The server takes no new client and stops once its clients left."""
    resource = f"server:{server_id}"
    async with _changing(request, principal, "operator.server.quiesce", resource) as change:
        found = [s for s in change.supervisor.servers() if s.id == server_id]
        if not found:
            raise NotFound("server", server_id)
        change.supervisor.quiesce_server(server_id)
    return server_view(found[0])


# --- definitions -----------------------------------------------------------------------------


async def _on_definition(
    request: Request,
    principal: Principal,
    name: str,
    verb: str,
    act: Callable[[Supervisor], None],
) -> DefinitionView:
    resource = f"server_definition:{name.partition('.')[0]}"
    async with _changing(request, principal, f"operator.definition.{verb}", resource) as change:
        act(change.supervisor)
        run = change.supervisor.definitions()[name]
    return definition_view(run)


@router.post(
    "/definitions/{name}/reset", response_model=DefinitionView, summary="Reset a definition"
)
async def reset_definition(request: Request, name: PlanName, principal: Operator) -> DefinitionView:
    """Clear a FAILED definition (and its failed servers) so that its servers start again."""
    return await _on_definition(request, principal, name, "reset", lambda s: s.reset(name))


@router.post(
    "/definitions/{name}/pause", response_model=DefinitionView, summary="Pause a definition"
)
async def pause_definition(request: Request, name: PlanName, principal: Operator) -> DefinitionView:
    """No new client gets one of its servers (they wait); its servers keep running."""
    return await _on_definition(request, principal, name, "pause", lambda s: s.pause(name, True))


@router.post(
    "/definitions/{name}/resume", response_model=DefinitionView, summary="Resume a definition"
)
async def resume_definition(
    request: Request, name: PlanName, principal: Operator
) -> DefinitionView:
    """Undo ``pause``: waiting clients get servers again."""
    return await _on_definition(request, principal, name, "resume", lambda s: s.pause(name, False))


@router.post(
    "/definitions/{name}/quiesce", response_model=DefinitionView, summary="Quiesce a definition"
)
async def quiesce_definition(
    request: Request, name: PlanName, principal: Operator
) -> DefinitionView:
    """No new client; each of its servers stops once its clients left, and none starts."""
    return await _on_definition(
        request, principal, name, "quiesce", lambda s: s.quiesce(name, True)
    )


@router.post(
    "/definitions/{name}/unquiesce",
    response_model=DefinitionView,
    summary="Undo quiesce on a definition",
)
async def unquiesce_definition(
    request: Request, name: PlanName, principal: Operator
) -> DefinitionView:
    """Undo ``quiesce``: servers take clients again and start up to the floors."""
    return await _on_definition(
        request, principal, name, "unquiesce", lambda s: s.quiesce(name, False)
    )


@router.post("/refresh", response_model=RefreshResult, summary="Read the definitions again")
async def refresh(request: Request, principal: Operator) -> RefreshResult:
    """Read this host's definitions from the registry: a changed definition's servers are
    replaced as they become free, a removed one's stop, a new one's start."""
    resource = _resource(_spawner(request))
    async with _changing(request, principal, "operator.refresh", resource) as change:
        names = await change.spawner.refresh()
        change.detail["definitions"] = names
    return RefreshResult(definitions=names)


# --- trace -----------------------------------------------------------------------------------


def _trace(supervisor: Supervisor, limit: int) -> TraceView:
    lines = list(supervisor.trace)
    return TraceView(on=supervisor.tracing, lines=lines[-limit:])


@router.get("/trace", response_model=TraceView, summary="The supervisor's decision log")
async def show_trace(
    request: Request,
    principal: Operator,
    limit: Annotated[
        int, Query(ge=1, le=MAX_TRACE_LINES, description="The most recent lines to show.")
    ] = 200,
) -> TraceView:
    """Whether tracing is on, and the most recent decisions (kept while it is on)."""
    return _trace(_spawner(request).supervisor, limit)


@router.post("/trace", response_model=TraceView, summary="Turn the decision log on or off")
async def set_trace(request: Request, body: TraceBody, principal: Operator) -> TraceView:
    """On: keep each decision of the supervisor (start, stop, restart, give, recycle) and log
    it at debug level on ``baton.spawner.trace``. Off: stop keeping them (the kept ones stay)."""
    resource = _resource(_spawner(request))
    async with _changing(request, principal, "operator.trace", resource) as change:
        change.supervisor.set_trace(body.on)
        change.detail["on"] = body.on
    return _trace(change.supervisor, 200)
