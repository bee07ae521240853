"""The control plane's ASGI application: the REST API, the broker, health and metrics.

``create_app(settings)`` builds a complete app; ``baton serve`` runs it under uvicorn. The
broker answers ``/broker`` and ``/cgi-bin/broker`` (its load manager lives in the app's
lifespan); SOAP answers ``/soap/runtime`` (:mod:`baton.jobs.soap`); later parts mount theirs
here (the web client at ``/``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

import baton
from baton.api import errors, web
from baton.api.authentication import AuthenticationMiddleware
from baton.api.cookies import SessionCookie
from baton.api.deps import get_principal
from baton.api.limits import BodyLimitMiddleware
from baton.api.metrics import Metrics, MetricsMiddleware
from baton.api.routes import (
    audit,
    components,
    credentials,
    definitions,
    dispatcher,
    groups,
    hosts,
    jobs,
    libraries,
    me,
    operator,
    permissions,
    programs,
    roles,
    runs,
    services,
    session,
    spawners,
    tokens,
    triggers,
    users,
    workspaces,
)
from baton.api.schemas import Health
from baton.broker.app import BROKER_PATHS, Broker
from baton.broker.auth import BrokerAuthenticator
from baton.broker.recorder import RequestRecorder
from baton.jobs.events import EventBus
from baton.jobs.runtime import Runtime
from baton.jobs.soap import PATH as SOAP_PATH
from baton.jobs.soap import SoapEndpoint
from baton.jobs.triggers import Triggers
from baton.loadmanager.history import DispatcherHistory
from baton.loadmanager.manager import LoadManager
from baton.loadmanager.snapshot import STATUS_FILE, keep_writing
from baton.registry.access import require_capability
from baton.registry.bootstrap import session_secret
from baton.registry.database import Database
from baton.registry.enums import Capability
from baton.registry.signin import SignIn
from baton.settings import Settings
from baton.spawner.remote import JoinedHosts
from baton.spawner.service import HostSpawner

ROUTERS = (
    session.router,
    me.router,
    tokens.router,
    users.router,
    groups.router,
    roles.router,
    permissions.router,
    libraries.router,
    programs.router,
    services.router,
    definitions.router,
    hosts.router,
    credentials.router,
    audit.router,
    dispatcher.router,
    operator.router,
    spawners.router,
    workspaces.router,
    jobs.router,
    components.router,
    runs.router,
    triggers.router,
)

DESCRIPTION = """\
Baton's control plane. Every `/api` endpoint needs credentials: HTTP Basic (user name and
password), a Bearer API token (`POST /api/tokens`), or the browser session cookie from
`POST /api/session` (then send its `csrf_token` as `X-CSRF-Token` on every change).
Errors are JSON: `{"error": code, "detail": ...}`.
"""


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """The control plane's app; refuses a registry whose schema is out of date."""
    owns_database = database is None
    db = database or Database(settings.registry_url)
    db.check_schema()
    metrics = Metrics()

    sign_in = SignIn(db, settings.auth)
    cookie = SessionCookie(
        session_secret(settings.home),
        name=settings.auth.session_cookie,
        max_age=settings.auth.session_max_age,
        secure=settings.auth.secure_cookie,
    )
    hosts_joined = JoinedHosts()
    spawner = HostSpawner(settings, db, hosts=hosts_joined)
    manager = LoadManager(settings, db, hosts=hosts_joined, local=spawner)
    recorder = RequestRecorder(db)
    authenticator = BrokerAuthenticator(
        sign_in, cookie, db, ttl=settings.dispatcher.refresh_seconds
    )
    broker = Broker(settings, db, authenticator, manager, recorder, metrics)
    metrics.watch_pools(manager.pools)
    history = DispatcherHistory(manager.pools)
    events = EventBus()
    runtime = Runtime(settings, db, spawner.supervisor, manager, events)
    job_triggers = Triggers(settings, db, runtime, events)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        recorder.start()
        await spawner.open()
        await runtime.open()
        await job_triggers.open()
        writer = asyncio.create_task(keep_writing(manager, settings.run_path / STATUS_FILE))
        history.start()
        try:
            yield
        finally:
            await history.aclose()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            await job_triggers.aclose()
            await runtime.aclose()
            await manager.aclose()
            await spawner.aclose()
            await recorder.aclose()
            if owns_database:
                db.dispose()

    app = FastAPI(
        title="Baton",
        version=baton.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=errors.RESPONSES,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.sign_in = sign_in
    app.state.cookie = cookie
    app.state.broker = broker
    app.state.spawner = spawner
    app.state.hosts = hosts_joined
    app.state.history = history
    app.state.metrics = metrics
    app.state.events = events
    app.state.runtime = runtime
    app.state.triggers = job_triggers
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)

    # SOAP: its own faults for every refusal, but the API's authentication and body limit.
    soap = SoapEndpoint(
        runtime,
        db,
        AuthenticationMiddleware(app, sign_in=sign_in, cookie=cookie).authenticate,
        max_body_bytes=settings.api.max_body_bytes,
    )
    app.router.routes.append(Route(SOAP_PATH, soap, include_in_schema=False))

    @app.get(
        "/healthz",
        response_model=Health,
        responses={503: {"model": Health, "description": "The registry does not answer."}},
        tags=["health"],
        summary="Liveness and registry",
    )
    async def healthz() -> Response:
        """Public: 200 when the registry answers, 503 otherwise."""

        def probe() -> bool:
            try:
                with db.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except Exception:
                return False
            return True

        ok = await anyio.to_thread.run_sync(probe)
        body = Health(
            status="ok" if ok else "unavailable",
            version=baton.__version__,
            database="ok" if ok else "unreachable",
        )
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics", response_class=Response)
    def metrics_endpoint(request: Request) -> Response:
        """Prometheus text format (the operate capability, unless api.metrics_public)."""
        if not settings.api.metrics_public:
            require_capability(get_principal(request), Capability.OPERATE)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # Last: what no route above answers is the web client's (the app routes in the browser).
    web.mount(app, settings.web_dist or web.DIST)

    # Outermost first: metrics see every answer, the body limit runs before authentication.
    app.add_middleware(
        AuthenticationMiddleware,
        sign_in=app.state.sign_in,
        cookie=app.state.cookie,
        public_metrics=settings.api.metrics_public,
    )
    app.add_middleware(BodyLimitMiddleware, limit=settings.api.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    # Outermost: the broker has its own authentication (services may be public) and body limit.
    app.add_middleware(BrokerRoute, broker=broker)
    return app


class BrokerRoute:
    """Sends ``/broker`` and ``/cgi-bin/broker`` to the broker, everything else to the API."""

    def __init__(self, app: ASGIApp, *, broker: Broker) -> None:
        self.app = app
        self.broker = broker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") in BROKER_PATHS:
            await self.broker(scope, receive, send)
            return
        await self.app(scope, receive, send)
