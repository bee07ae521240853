"""The broker: a plain ASGI app at ``/broker`` and ``/cgi-bin/broker``.

For each request: read the fields (:mod:`~baton.broker.form`); with none, show the welcome
page; find the service (``_SERVICE``, else the default one); authenticate as the service asks;
serve a reserved program (PING, STATUS, LOADSTAT, STOP) or check that the user may run
``_PROGRAM`` (``run`` on the program or its library); acquire a server from the service's pool,
forward the request and stream the answer (:class:`~baton.broker.exchange.Exchange`); release
the server; record the request. Every refusal is an error page (HTML, or JSON when the client
prefers it) with the status of the one table in ``baton.api.errors``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from dataclasses import dataclass

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from baton.api.authentication import remote_address
from baton.api.errors import AUTHENTICATE, status_of
from baton.api.metrics import Metrics
from baton.appserver.resolver import canonical_name
from baton.broker import pages
from baton.broker.auth import BrokerAuthenticator
from baton.broker.cgi import cgi_environment
from baton.broker.debug import DebugFlag, allowed_debug, parse_debug
from baton.broker.exchange import Debugging, Exchange
from baton.broker.form import ClientDisconnected, Form, read_form
from baton.broker.grants import GrantCache
from baton.broker.recorder import RequestRecorder
from baton.errors import (
    AuthenticationFailed,
    BatonError,
    NoServerAvailable,
    PermissionDenied,
    ProgramNotFound,
    ProtocolError,
    SessionNotFound,
)
from baton.loadmanager.manager import LoadManager, ServiceSetup
from baton.loadmanager.pool import Lease, ServicePool
from baton.loadmanager.snapshot import service_status
from baton.loadmanager.states import ServerState
from baton.protocol import frames
from baton.registry import access, services
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import Action, Capability, ResourceKind
from baton.registry.requests import RequestOutcome
from baton.settings import Settings

logger = logging.getLogger(__name__)

#: The paths the broker answers (the second is the classic CGI location).
BROKER_PATHS = ("/broker", "/cgi-bin/broker")
#: The reserved ``_PROGRAM`` values, matched case-insensitively.
RESERVED = frozenset({"PING", "STATUS", "LOADSTAT", "STOP"})


@dataclass
class _Call:
    """What the broker knows of one request as it goes."""

    request_id: str
    began: float
    script_name: str
    as_json: bool
    remote_addr: str
    service: str = ""
    program: str = ""
    user: str = ""
    status: int = 0
    error: str = ""
    bytes_sent: int = 0
    waited: float = 0.0
    server: str = ""


class Broker:
    """The broker's ASGI application.

    Args:
        settings: the installation's settings.
        database: the registry.
        authenticator: turns credentials into principals.
        manager: the load manager.
        recorder: records every request.
        metrics: counts and times requests by service.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        authenticator: BrokerAuthenticator,
        manager: LoadManager,
        recorder: RequestRecorder,
        metrics: Metrics | None = None,
    ) -> None:
        self._settings = settings
        self._database = database
        self._auth = authenticator
        self.manager = manager
        self.recorder = recorder
        self._grants = GrantCache(database, settings.dispatcher.refresh_seconds)
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = Headers(scope=scope)
        path = scope["path"].rstrip("/")
        call = _Call(
            request_id=uuid.uuid4().hex,
            began=time.monotonic(),
            script_name=path if path in BROKER_PATHS else BROKER_PATHS[0],
            as_json=pages.wants_json(headers.get("accept")),
            remote_addr=remote_address(scope),
        )
        try:
            if scope["method"] not in ("GET", "HEAD", "POST"):
                await self._page(send, call, 405, "method_not_allowed", "use GET or POST")
                return
            form = await read_form(
                scope, receive, max_body=self._settings.dispatcher.max_body_bytes
            )
            await self._serve(scope, receive, send, call, form)
        except ClientDisconnected:
            call.error = call.error or "client_disconnected"
        except BatonError as error:
            if call.status == 0:
                await self._error(send, call, error)
            else:
                logger.warning("%s after the response started: %s", call.program, error.detail)
        finally:
            if self._metrics is not None:
                # Only services that exist become labels: the request names the others.
                label = call.service if call.service in self.manager.pools() else "(none)"
                self._metrics.broker_requests.labels(label, str(call.status)).inc()
                self._metrics.broker_duration.labels(label).observe(time.monotonic() - call.began)
            if call.program or call.service:
                self.recorder.record(
                    RequestOutcome(
                        request_id=call.request_id,
                        user=call.user,
                        service=call.service,
                        program=call.program,
                        status=call.status,
                        error=call.error,
                        bytes_sent=call.bytes_sent,
                        duration=time.monotonic() - call.began,
                        waited=call.waited,
                        server=call.server,
                        remote_addr=call.remote_addr,
                    )
                )

    # ---- the steps of a request -----------------------------------------------------------

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, call: _Call, form: Form
    ) -> None:
        if form.is_empty or (form.program is None and form.service is None):
            await self._welcome(scope, send, call)
            return
        call.service = form.service or self._settings.dispatcher.default_service
        call.program = form.program or ""
        pool = await self.manager.pool(call.service)
        setup = self.manager.setup(call.service)
        assert setup is not None
        principal = await self._auth.principal(scope, required=setup.spec.auth_required)
        call.user = principal.name
        if not call.program:
            raise ProgramNotFound("", reason="_PROGRAM is missing")
        if call.program.upper() in RESERVED:
            await self._reserved(send, call, principal, setup, pool)
            return
        library, name = canonical_name(call.program)
        if library not in setup.spec.libraries:
            raise ProgramNotFound(call.program, reason=f"service does not serve {library!r}")
        if self._grants.fresh(principal, name, call.service):
            administers = self._grants.may_run(principal, name, call.service, call.remote_addr)
        else:
            administers = await anyio.to_thread.run_sync(
                self._grants.may_run, principal, name, call.service, call.remote_addr
            )
        flags = allowed_debug(
            parse_debug(form.debug), setup.spec.debug_mask, administers=administers
        )
        environment = cgi_environment(
            scope,
            user=principal.name or None,
            export=setup.spec.settings.export,
            script_name=call.script_name,
        )
        request = frames.Request(
            request_id=call.request_id,
            program=call.program,
            fields=form.fields,
            files=form.files,
            env=environment,
            user=principal.name or None,
            session_id=form.session_id,
            debug=int(flags),
            deadline=setup.spec.settings.request_timeout,
        )
        try:
            lease = await pool.acquire(form.session_id)
        except SessionNotFound:
            fallback = setup.spec.settings.invalid_session_program
            if fallback is None:
                raise
            call.program = fallback
            request = dataclasses.replace(request, program=fallback, session_id=None)
            lease = await pool.acquire(None)
        call.waited = lease.wait
        call.server = lease.server.server_id
        trace = (
            f"service {call.service} ({setup.spec.kind}), {len(pool.servers)} servers",
            f"waited {lease.wait:.3f} s for {lease.server.server_id}",
        )
        debugging = Debugging(
            flags=flags,
            fields=form.fields,
            began=call.began,
            hostport=lease.server.address or "",
            trace=trace if flags & (DebugFlag.TRACE | DebugFlag.SERVICES) else (),
        )
        await self._forward(pool, lease, request, receive, send, call, debugging)

    async def _forward(
        self,
        pool: ServicePool,
        lease: Lease,
        request: frames.Request,
        receive: Receive,
        send: Send,
        call: _Call,
        debugging: Debugging,
    ) -> None:
        server = lease.server
        try:
            connection = await server.connection()
        except ProtocolError as exc:
            pool.release(lease, lost=True)
            call.error = "server_lost"
            detail = f"the server for {call.program!r} cannot be reached: {exc.detail}"
            await self._page(send, call, 502, "server_lost", detail)
            return

        async def error_page(status: int, code: str, detail: str) -> None:
            await self._page(send, call, status, code, detail)

        exchange = Exchange(connection, request, receive, send, error_page, debugging, call.service)
        result = await exchange.run()
        await server.give_back(connection, reusable=result.reusable)
        pool.release(
            lease,
            lost=result.lost,
            timed_out=result.timed_out,
            session_created=result.session_created,
            session_ended=result.session_ended,
        )
        call.status = result.status
        call.error = result.error or call.error
        call.bytes_sent += result.bytes_sent

    # ---- reserved programs and pages ---------------------------------------------------------

    async def _reserved(
        self,
        send: Send,
        call: _Call,
        principal: Principal,
        setup: ServiceSetup,
        pool: ServicePool,
    ) -> None:
        program = call.program.upper()
        call.program = program
        if program == "PING":
            body = await _ping(pool)
            await self._send(
                send, call, 200, *pages.message_page(program, body, as_json=call.as_json)
            )
            return
        administers = await anyio.to_thread.run_sync(
            self._may, principal, call.service, Action.ADMINISTER
        )
        if program == "STOP":
            if not administers:
                raise PermissionDenied("administer", f"service {call.service!r}")
            await self.manager.stop(call.service, setup.spec.settings.request_timeout)
            body = f"service {call.service} stopped: its servers finished their requests"
            await self._send(
                send, call, 200, *pages.message_page(program, body, as_json=call.as_json)
            )
            return
        if not (administers or principal.can(Capability.OPERATE)):
            raise PermissionDenied("operate", f"service {call.service!r}")
        rows = server_rows(call.service, pool)
        if program == "STATUS":
            await self._send(send, call, 200, *pages.status_page(rows, as_json=call.as_json))
        else:
            await self._send(send, call, 200, *pages.loadstat_page(rows, as_json=call.as_json))

    def _may(self, principal: Principal, service: str, action: Action) -> bool:
        with self._database.session() as session:
            return access.is_allowed(session, principal, ResourceKind.SERVICE, service, action)

    async def _welcome(self, scope: Scope, send: Send, call: _Call) -> None:
        signed_in = self._auth.has_credentials(scope)
        principal = await self._auth.principal(scope, required=False) if signed_in else None
        summaries = await anyio.to_thread.run_sync(self._usable_services, principal)
        body, content_type = pages.welcome_page(
            summaries,
            user=principal.name if principal else None,
            broker_path=call.script_name,
            as_json=call.as_json,
        )
        await self._send(send, call, 200, body, content_type)

    def _usable_services(self, principal: Principal | None) -> list[pages.ServiceSummary]:
        with self._database.session() as session:
            found = services.list_services(session, limit=1000).items
        return [
            pages.ServiceSummary(name=s.name, kind=str(s.kind), description=s.description)
            for s in found
            if s.enabled and (principal is not None or not s.auth_required)
        ]

    async def _error(self, send: Send, call: _Call, error: BatonError) -> None:
        call.error = error.code
        headers: list[tuple[bytes, bytes]] = []
        if isinstance(error, AuthenticationFailed):
            headers.append((b"www-authenticate", AUTHENTICATE.encode()))
        if isinstance(error, NoServerAvailable):
            headers.append((b"retry-after", str(error.retry_after).encode()))
        await self._page(send, call, status_of(error), error.code, error.detail, headers)

    async def _page(
        self,
        send: Send,
        call: _Call,
        status: int,
        code: str,
        detail: str,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        body, content_type = pages.error_page(
            status,
            code,
            detail,
            program=call.program or None,
            service=call.service or None,
            as_json=call.as_json,
        )
        call.error = call.error or code
        await self._send(send, call, status, body, content_type, headers)

    async def _send(
        self,
        send: Send,
        call: _Call,
        status: int,
        body: bytes,
        content_type: str,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"x-content-type-options", b"nosniff"),
            (b"x-request-id", call.request_id.encode()),
            *(extra or []),
        ]
        call.status = status
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})
        except (OSError, RuntimeError):
            call.error = call.error or "client_disconnected"
            return
        call.bytes_sent += len(body)


def server_rows(service: str, pool: ServicePool) -> list[pages.ServerRow]:
    """LOADSTAT rows: one per server, and one for the servers already retired."""
    status = service_status(service, pool)
    rows = [
        pages.ServerRow(service=service, **server.model_dump(include=_ROW_FIELDS))
        for server in status.servers
    ]
    retired = pool.retired
    if retired.requests:
        rows.append(
            pages.ServerRow(
                service=service,
                server_id="(retired)",
                address="",
                pid=None,
                state=str(ServerState.STOPPED),
                active=0,
                capacity=0,
                requests=retired.requests,
                longest=retired.longest,
                average=retired.average,
                waited_percent=retired.waited_percent,
                average_wait=retired.average_wait,
            )
        )
    return rows


#: The fields of a server's status that a LOADSTAT row shows.
_ROW_FIELDS = {
    "server_id",
    "address",
    "pid",
    "state",
    "active",
    "capacity",
    "requests",
    "longest",
    "average",
    "waited_percent",
    "average_wait",
}


async def _ping(pool: ServicePool) -> str:
    """PING: the first idle server's answer, or what the pool has."""
    for server in pool.servers:
        if server.state is not ServerState.IDLE or server.address is None:
            continue
        try:
            connection = await server.connection()
        except ProtocolError:
            continue
        alive = await connection.ping(5.0)
        await server.give_back(connection, reusable=alive)
        if alive:
            return f"PONG from {server.server_id} of service {pool.config.service}"
    return f"service {pool.config.service} is up; no server is running now"
