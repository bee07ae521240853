"""``LoadManager``: pools built from registry services (and ``baton.toml``), replaced when the
service changes, refused when it is unknown or disabled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.api.errors import status_of
from baton.errors import UnknownService
from baton.loadmanager.manager import LoadManager
from baton.loadmanager.pool import ServicePool
from baton.registry import services
from baton.registry.database import Database
from baton.registry.enums import ServiceKind
from tests.appserver.serverprocess import PATIENCE, ServerProcess, pid_gone, wait_for_async
from tests.loadmanager.servers import replace, served_by, service, settings_for, until
from tests.spawner.children import live_children

pytestmark = pytest.mark.anyio


async def test_a_registry_service_gets_a_pool_of_real_servers(
    manager: LoadManager, library: Path
) -> None:
    before = live_children()
    pool = await manager.pool("svc")
    assert pool.config.kind is ServiceKind.POOL and pool.config.settings.max_servers == 1
    setup = manager.setup("svc")
    assert setup is not None and setup.recipe.libraries == {"t": library}
    assert manager.pools() == {"svc": pool}
    lease = await pool.acquire()
    pid = await served_by(lease)
    assert pid == lease.server.pid and live_children() - before == {pid}
    pool.release(lease)
    assert await manager.pool("svc") is pool  # unchanged: the same pool
    await manager.aclose()
    assert pid_gone(pid)
    with pytest.raises(UnknownService):
        await manager.pool("svc")


async def test_a_changed_service_gets_a_new_pool_once_its_cache_expired(
    registry: Database, tmp_path: Path
) -> None:
    refresh = 0.5
    manager = LoadManager(settings_for(tmp_path, refresh_seconds=refresh), registry)
    try:
        read_at = time.monotonic()
        old = await manager.pool("svc")
        lease = await old.acquire()  # a request under way while the service changes
        old_pid = await served_by(lease)
        replace(registry, service(settings={"max_servers": 2}))
        if time.monotonic() - read_at < refresh:
            assert await manager.pool("svc") is old  # still cached

        latest: list[ServicePool] = []

        async def replaced() -> bool:
            latest.append(await manager.pool("svc"))
            return latest[-1] is not old

        await wait_for_async(replaced, "a new pool to replace the old one")
        new = latest[-1]
        assert new.config.settings.max_servers == 2
        await until(lambda: old.stopping, "the old pool to drain")
        # The old pool lets the running request finish before its server stops.
        assert not pid_gone(old_pid)
        old.release(lease)
        await until(lambda: pid_gone(old_pid), "the old pool's server to stop")
        lease = await new.acquire()
        assert await served_by(lease) != old_pid
        new.release(lease)
    finally:
        await manager.aclose()


async def test_unknown_and_disabled_services_are_refused(
    manager: LoadManager, registry: Database
) -> None:
    with pytest.raises(UnknownService) as unknown:
        await manager.pool("nope")
    assert unknown.value.service == "nope" and status_of(unknown.value) == 404
    with registry.session() as session:
        services.create_service(session, service("off", enabled=False))
    with pytest.raises(UnknownService):
        await manager.pool("off")
    assert manager.pools() == {}


async def test_a_service_disabled_after_use_is_refused_and_its_servers_stop(
    manager: LoadManager, registry: Database
) -> None:
    pool = await manager.pool("svc")
    lease = await pool.acquire()
    pid = await served_by(lease)
    pool.release(lease)
    replace(registry, service(enabled=False))
    with pytest.raises(UnknownService):
        await manager.pool("svc")
    await until(lambda: pid_gone(pid), "the disabled service's server to stop")
    assert manager.pools() == {}


async def test_a_service_in_baton_toml_wins_over_the_registry(
    registry: Database, tmp_path: Path
) -> None:
    configured = service(settings={"max_servers": 3}).model_dump(exclude={"name"}, mode="json")
    settings = settings_for(tmp_path, refresh_seconds=0, services={"svc": configured})
    manager = LoadManager(settings, registry)
    try:
        pool = await manager.pool("svc")
        assert pool.config.settings.max_servers == 3
    finally:
        await manager.aclose()


async def test_stop_drains_a_service_pool(manager: LoadManager) -> None:
    pool = await manager.pool("svc")
    lease = await pool.acquire()
    pid = await served_by(lease)
    pool.release(lease)
    assert await manager.stop("svc", timeout=PATIENCE)
    assert pid_gone(pid) and pool.stopping and manager.pools() == {}
    assert not await manager.stop("svc", timeout=PATIENCE)
    fresh = await manager.pool("svc")  # the next request starts it again
    assert fresh is not pool


async def test_a_launch_service_forks_a_server_per_request(
    manager: LoadManager, registry: Database
) -> None:
    with registry.session() as session:
        services.create_service(session, service("once", ServiceKind.LAUNCH))
    pool = await manager.pool("once")
    pids = []
    for _ in range(2):
        lease = await pool.acquire()
        assert lease.server.single_use
        pids.append(await served_by(lease))
        pool.release(lease)
    assert pids[0] != pids[1]


@pytest.fixture
def external(library: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess.start(library, tmp_path / "external.log")
    yield process
    process.stop()


async def test_a_socket_service_uses_its_external_servers(
    manager: LoadManager, registry: Database, external: ServerProcess
) -> None:
    address = external.address.removeprefix("tcp:")
    with registry.session() as session:
        spec = service("ext", ServiceKind.SOCKET, server_definition=None, addresses=[address])
        services.create_service(session, spec)
    pool = await manager.pool("ext")
    assert [server.address for server in pool.servers] == [external.address]
    lease = await pool.acquire()
    assert await served_by(lease) == external.process.pid
    pool.release(lease)
    await manager.aclose()
    assert external.process.poll() is None  # not the manager's to stop
