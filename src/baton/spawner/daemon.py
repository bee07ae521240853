"""``baton spawner``: a host's spawner daemon, its HTTP interface and its link to the control plane.

The daemon gets its definitions from the control plane (``GET /api/spawner/plans`` with the
host token; launch accounts are looked up and their passwords checked here, on the host that
has the accounts), supervises their servers, and answers the control plane on its own port:

- ``POST /v1/leases`` ``{"definition", "client"}``: a server for one client (201 with ``lease``,
  ``server``, ``address``, ``pid`` and ``ticket``); the supervisor starts, balances and waits as
  configured. The ticket (``lease``, ``expires``, ``secret``) is what the client opens
  connections to the server with (a HELLO frame, ``baton.protocol.tickets``): its secret is
  this lease's alone;
- ``GET /v1/leases/{lease}``: the state of the leased server; ``DELETE``: give it back;
  ``POST /v1/leases/{lease}/ticket``: a renewed ticket (a later expiry);
- ``GET /v1/servers``: every server; ``POST /v1/servers/{id}/stop`` or ``/kill``: an
  operator's stop (SIGTERM then SIGKILL) or kill (SIGKILL at once), answered once it exited;
  ``POST /v1/refresh``: read the definitions again;
- ``/v1/workspaces``: the Jupyter kernels of workspace definitions bound to this host, which
  the control plane has it start for its users (:mod:`baton.spawner.daemon_kernels`); the
  kernels it culls or finds ended are told to the control plane
  (``POST /api/spawner/workspaces/ended``), which audits them.

The control plane calls with ``Authorization: Bearer <secret>``, the secret this daemon made
when it started and gave the control plane when it joined (with its host token). A user may ask
for a lease too, with their own Basic or Bearer credentials: the daemon has the control plane
check them and the user's ``run`` right on the definition (``POST /api/spawner/authorize``); a
user sees and gives back only their own leases, and nothing else of the daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from baton.errors import (
    AuthenticationFailed,
    BatonError,
    Conflict,
    InvalidInput,
    LaunchRefused,
    NotFound,
    PermissionDenied,
    SpawnFailed,
)
from baton.protocol.tickets import Ticket
from baton.registry.enums import ServerKind
from baton.registry.records import ServerDefinitionRecord
from baton.settings import SpawnerSettings
from baton.spawner.catalog import plan_of
from baton.spawner.daemon_kernels import error_fields, kernel_routes
from baton.spawner.kernels import WorkspaceRecord
from baton.spawner.managed import ManagedServer
from baton.spawner.plan import ServerPlan
from baton.spawner.remote import HEARTBEAT
from baton.spawner.service import HostSpawner

logger = logging.getLogger(__name__)

#: Statuses of the errors the daemon answers with (the control plane maps them again).
_STATUS: dict[type[BatonError], int] = {
    NotFound: 404,
    InvalidInput: 400,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    Conflict: 409,
    LaunchRefused: 409,
}


class ControlPlane:
    """The control plane as a host's spawner sees it.

    Args:
        url: the control plane's base URL.
        token: this host's token.
        settings: the ``[spawner]`` settings of this host.
    """

    def __init__(self, url: str, token: str, settings: SpawnerSettings) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._settings = settings
        self.host = ""

    async def authorize(self, authorization: str, definition: str) -> str:
        """The user behind ``authorization`` if they may run ``definition``.

        Raises:
            AuthenticationFailed: the registry refused the credentials.
            PermissionDenied: the user may not run the definition.
        """
        async with httpx.AsyncClient(headers=self._headers, timeout=30) as client:
            try:
                answer = await client.post(
                    f"{self.url}/api/spawner/authorize",
                    json={"authorization": authorization, "definition": definition},
                )
            except httpx.HTTPError as exc:
                problem = f"the control plane is away: {exc}"
                raise SpawnFailed("this host's spawner", problem) from exc
        if answer.status_code == 200:
            return str(answer.json()["user"])
        detail = str(answer.json().get("detail", "")) if answer.content else ""
        if answer.status_code == 403:
            raise PermissionDenied("run", f"server_definition {definition!r}")
        raise AuthenticationFailed(detail or "the control plane refused the credentials")

    def plans(self) -> list[ServerPlan]:
        """The definitions of this host (a blocking call: run it on a worker thread)."""
        answer = httpx.get(f"{self.url}/api/spawner/plans", headers=self._headers, timeout=30)
        if answer.status_code != 200:
            raise SpawnFailed("this host's spawner", f"the control plane said: {answer.text}")
        body = answer.json()
        self.host = str(body["host"])
        plans = []
        for item in body["definitions"]:
            record = ServerDefinitionRecord.model_validate(item["definition"])
            if record.kind is ServerKind.WORKSPACE:
                continue  # kernels are started per user, as the control plane asks
            secrets_: dict[str, tuple[str, str] | str] = {}
            if record.credential:
                credential = item.get("credential")
                secrets_[record.credential] = (
                    (str(credential[0]), str(credential[1]))
                    if isinstance(credential, list)
                    else str(item.get("problem", "its secret is not available"))
                )
            plans.append(plan_of(record, secrets_, self._settings))
        return plans

    async def workspace_ended(self, record: WorkspaceRecord, action: str, problem: str) -> None:
        """Tell the control plane that a kernel was culled (``workspace.cull``) or ended on
        its own (``workspace.exit``), so that it forgets and audits it."""
        body = {"workspace": record.id, "action": action, "problem": problem[:500]}
        try:
            async with httpx.AsyncClient(headers=self._headers, timeout=30) as client:
                answer = await client.post(f"{self.url}/api/spawner/workspaces/ended", json=body)
        except httpx.HTTPError as exc:
            logger.warning("the control plane did not hear that %s ended: %s", record.id, exc)
            return
        if answer.status_code != 204:
            logger.warning("the control plane refused that %s ended: %s", record.id, answer.text)

    async def keep_joining(self, url: str, secret: str) -> None:
        """Join now and every heartbeat (a failed join is retried at the next one)."""
        async with httpx.AsyncClient(headers=self._headers, timeout=10) as client:
            while True:
                try:
                    answer = await client.post(
                        f"{self.url}/api/spawner/join", json={"url": url, "secret": secret}
                    )
                    if answer.status_code != 200:
                        logger.error("joining the control plane failed: %s", answer.text)
                except httpx.HTTPError as exc:
                    logger.warning("the control plane did not answer the join: %s", exc)
                await asyncio.sleep(HEARTBEAT)


def server_view(server: ManagedServer) -> dict[str, Any]:
    """A server as the daemon shows it."""
    uptime = time.time() - server.started_at if server.started_at else None
    return {
        "id": server.id,
        "definition": server.plan.definition,
        "state": str(server.state),
        "pid": server.pid,
        "address": server.address,
        "uptime": uptime,
        "clients": server.clients,
        "uses": server.uses,
        "cost": server.cost(),
        "response_time": server.response_time,
        "problem": server.problem,
    }


def ticket_view(ticket: Ticket | None) -> dict[str, Any] | None:
    """A lease's ticket as the daemon gives it (its secret is the lease holder's alone)."""
    if ticket is None:
        return None
    return {"lease": ticket.lease, "expires": ticket.expires, "secret": ticket.secret}


def daemon_app(spawner: HostSpawner, secret: str, control: ControlPlane, url: str) -> Starlette:
    """The HTTP interface of a host's spawner (see the module)."""
    leases: dict[str, tuple[str, str]] = {}  # lease id -> (server id, owner; "" = control)

    def authorized(request: Request) -> bool:
        sent = request.headers.get("authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {secret}".encode())

    def error(exc: BatonError) -> JSONResponse:
        status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 503)
        body = {"error": exc.code, "detail": exc.detail, "fields": error_fields(exc)}
        return JSONResponse(body, status_code=status)

    def unauthorized() -> JSONResponse:
        return error(AuthenticationFailed("the control plane's secret is required"))

    async def who(request: Request, definition: str) -> str:
        """ "" for the control plane, else the user the control plane vouched for."""
        if authorized(request):
            return ""
        sent = request.headers.get("authorization", "")
        if not sent:
            raise AuthenticationFailed("credentials required (Basic or Bearer)")
        return await control.authorize(sent, definition)

    async def lease(request: Request) -> Response:
        try:
            body = await request.json()
            definition, client = str(body["definition"]), str(body.get("client", ""))
        except (ValueError, KeyError, TypeError):
            return error(InvalidInput("body", 'must be {"definition": NAME, "client": WHO}'))
        try:
            owner = await who(request, definition)
            given = await spawner.supervisor.acquire(definition, client=owner or client)
        except BatonError as exc:
            return error(exc)
        leases[given.id] = (given.server, owner)
        server = next(s for s in spawner.supervisor.servers() if s.id == given.server)
        answer: dict[str, Any] = {
            "lease": given.id,
            "server": given.server,
            "address": given.address,
        }
        answer["ticket"] = ticket_view(given.ticket)
        return JSONResponse({**answer, "pid": server.pid}, status_code=201)

    async def one_lease(request: Request) -> Response:
        lease_id = request.path_params["lease"]
        server_id, owner = leases.get(lease_id, ("", ""))
        try:
            caller = await who(request, server_id.rsplit("-", 1)[0] if server_id else "")
        except BatonError as exc:
            return error(exc)
        if server_id == "" or caller != owner:  # another's lease is not there for you
            return error(NotFound("lease", lease_id))
        if request.method == "DELETE":
            leases.pop(lease_id, None)
            spawner.supervisor.release(lease_id)
            return Response(status_code=204)
        if request.method == "POST":  # .../ticket: renew it
            try:
                return JSONResponse(ticket_view(spawner.supervisor.ticket(lease_id)))
            except BatonError as exc:
                return error(exc)
        servers = {s.id: s for s in spawner.supervisor.servers()}
        if server_id not in servers:
            return error(NotFound("lease", lease_id))
        return JSONResponse(server_view(servers[server_id]))

    async def servers(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        return JSONResponse([server_view(s) for s in spawner.supervisor.servers()])

    async def stop(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        server_id, verb = request.path_params["server"], request.path_params["verb"]
        if verb not in ("stop", "kill"):
            return error(NotFound("operation", verb))
        try:
            status = await spawner.supervisor.stop_server(server_id, kill=verb == "kill")
        except BatonError as exc:
            return error(exc)
        return JSONResponse({"server": server_id, "killed": verb == "kill", "exit_status": status})

    async def refresh(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        try:
            names = await spawner.refresh()
        except BatonError as exc:
            return error(exc)
        return JSONResponse({"definitions": names})

    kernels = spawner.workspaces.kernels
    kernels.on_end = control.workspace_ended

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await spawner.open()
        joining = asyncio.create_task(control.keep_joining(url, secret))
        try:
            yield
        finally:
            joining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await joining
            await spawner.aclose()

    return Starlette(
        routes=[
            Route("/v1/leases", lease, methods=["POST"]),
            Route("/v1/leases/{lease}", one_lease, methods=["GET", "DELETE"]),
            Route("/v1/leases/{lease}/ticket", one_lease, methods=["POST"]),
            Route("/v1/servers", servers, methods=["GET"]),
            Route("/v1/servers/{server}/{verb:str}", stop, methods=["POST"]),
            Route("/v1/refresh", refresh, methods=["POST"]),
            *kernel_routes(kernels, spawner.settings.spawner, authorized=authorized, error=error),
        ],
        lifespan=lifespan,
    )


def new_secret() -> str:
    """A fresh call secret for one run of the daemon."""
    return secrets.token_urlsafe(32)
