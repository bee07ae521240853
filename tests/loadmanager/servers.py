"""Pools of real application servers for the load manager tests, and requests through them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from baton.loadmanager.pool import Lease, PoolConfig, ServerFactory, ServicePool
from baton.loadmanager.server import ServerHandle
from baton.loadmanager.states import LIVE, ServerState
from baton.protocol import frames
from baton.registry import services
from baton.registry.database import Database
from baton.registry.enums import ServiceKind
from baton.registry.specs import ServiceSettings, ServiceSpec
from baton.settings import Settings, load_settings
from baton.spawner.base import Spawner
from tests.appserver.serverprocess import PATIENCE, body, pid_gone, wait_for_async
from tests.spawner.children import live_children

#: Settings that keep the tests fast: the rest is what each test sets.
FAST: dict[str, Any] = {
    "start_timeout": PATIENCE,
    "queue_timeout": PATIENCE,
    "request_timeout": PATIENCE,
    "idle_timeout": 0,
}


class RecordingFactory:
    """A :class:`ServerFactory` that keeps every spawner it made, to check their processes.

    Args:
        inner: the factory that really makes them.
    """

    def __init__(self, inner: ServerFactory) -> None:
        self.inner = inner
        self.spawners: list[Spawner] = []

    async def open(self) -> None:
        await self.inner.open()

    def spawner(self, server_id: str) -> Spawner:
        spawner = self.inner.spawner(server_id)
        self.spawners.append(spawner)
        return spawner

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def pids(self) -> list[int]:
        """The process ids of the servers started so far."""
        return [spawner.pid for spawner in self.spawners if spawner.pid is not None]


def config(
    kind: ServiceKind = ServiceKind.POOL, *, addresses: tuple[str, ...] = (), **settings: Any
) -> PoolConfig:
    """The pool config of the service ``svc`` with :data:`FAST` settings and ``settings``."""
    return PoolConfig("svc", kind, ServiceSettings(**{**FAST, **settings}), addresses)


@asynccontextmanager
async def running(
    pool_config: PoolConfig, factory: RecordingFactory | None
) -> AsyncIterator[ServicePool]:
    """A started pool; closed at the end, and then none of its processes may remain."""
    before = live_children()
    pool = ServicePool(pool_config, factory)
    await pool.start()
    try:
        yield pool
    finally:
        await pool.aclose()
        if factory is not None:
            assert all(pid_gone(pid) for pid in factory.pids), "aclose() left servers running"
            assert live_children() - before == set(), "aclose() left processes running"


async def ask(
    lease: Lease, program: str = "t.pid", *fields: tuple[str, str], session_id: str | None = None
) -> list[frames.Frame]:
    """Run ``program`` on the lease's server, as the broker does; every frame of the answer."""
    server = lease.server
    connection = await server.connection()
    reusable = False
    try:
        request = frames.Request(
            "r1", program, fields=fields, user="ada", session_id=session_id, deadline=PATIENCE
        )
        await connection.send(request)
        received: list[frames.Frame] = []
        while not received or not isinstance(received[-1], frames.End | frames.Error):
            received.append(await asyncio.wait_for(connection.receive(), PATIENCE))
        reusable = True
        return received
    finally:
        await server.give_back(connection, reusable=reusable)


async def served_by(lease: Lease) -> int:
    """The pid of the process that ran a request on the lease's server."""
    received = await ask(lease)
    assert isinstance(received[-1], frames.End), received
    pid: int = json.loads(body(received))["pid"]
    return pid


def live(pool: ServicePool) -> list[ServerHandle]:
    """The pool's servers that have (or will have) a process."""
    return [server for server in pool.servers if server.state in LIVE]


def idle(pool: ServicePool) -> list[ServerHandle]:
    """The pool's servers that can take a request now."""
    return [server for server in pool.servers if server.state is ServerState.IDLE]


async def until(condition: Callable[[], object], what: str, timeout: float = PATIENCE) -> None:
    """Wait (letting the pool's tasks run) until ``condition()`` is true."""

    async def check() -> bool:
        return bool(condition())

    await wait_for_async(check, what, timeout)


def service(name: str = "svc", kind: ServiceKind = ServiceKind.POOL, **fields: Any) -> ServiceSpec:
    """A service of the ``appserver`` definition serving the ``t`` library."""
    settings = ServiceSettings(**{**FAST, "max_servers": 1, **fields.pop("settings", {})})
    base: dict[str, Any] = {"server_definition": "appserver", "libraries": ["t"]}
    return ServiceSpec(name=name, kind=kind, settings=settings, **{**base, **fields})


def settings_for(tmp_path: Path, **dispatcher: Any) -> Settings:
    """Settings of a home in ``tmp_path`` with these ``[dispatcher]`` values."""
    return load_settings(tmp_path / "home", environ={}, dispatcher=dispatcher)


def replace(database: Database, spec: ServiceSpec) -> None:
    """Replace the registry's service of that name with ``spec``."""
    with database.session() as session:
        services.replace_service(session, spec.name, spec)
