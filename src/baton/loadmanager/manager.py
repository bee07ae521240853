"""The load manager: one :class:`ServicePool` per service, built from the registry.

A service is read from ``baton.toml`` (``[dispatcher.services.NAME]``, which wins) or the
registry, at most every ``dispatcher.refresh_seconds``; when its definition changed, a new pool
replaces the old one, which finishes its requests and stops. Library folders, server
definitions and the service's settings become the pool's :class:`ServerRecipe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread

from baton.errors import NotFound, UnknownService
from baton.loadmanager.factory import (
    DEFAULT_COMMAND,
    ProcessFactory,
    RemoteFactory,
    ServerRecipe,
    SupervisedFactory,
    ZygoteFactory,
)
from baton.loadmanager.pool import PoolConfig, ServerFactory, ServicePool
from baton.registry import definitions, libraries, services
from baton.registry.database import Database
from baton.registry.enums import Balancing, ServiceKind
from baton.registry.specs import ServiceSpec
from baton.settings import Settings
from baton.spawner.remote import JoinedHosts
from baton.spawner.service import HostSpawner

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSetup:
    """Everything a service's pool is built from; a change means a new pool.

    Attributes:
        spec: the service as configured.
        recipe: what its servers run.
    """

    spec: ServiceSpec
    recipe: ServerRecipe

    @property
    def pool_config(self) -> PoolConfig:
        """The pool's view of the service."""
        return PoolConfig(
            service=self.spec.name,
            kind=self.spec.kind,
            settings=self.spec.settings,
            addresses=tuple(f"tcp:{address}" for address in self.spec.addresses),
        )


class LoadManager:
    """The pools of every service used so far.

    Args:
        settings: the installation's settings.
        database: the registry.
        server_log: a file for the servers' standard error (None: this process's).
        hosts: the spawners of other hosts that joined (for definitions bound to a host).
        local: this host's spawner, which runs the servers of definitions bound to no host
            (None: they are started as child processes of this one, as ``baton run`` does).
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        server_log: Path | None = None,
        hosts: JoinedHosts | None = None,
        local: HostSpawner | None = None,
    ) -> None:
        self._server_log = server_log
        self._local = local
        self._hosts = hosts or JoinedHosts()
        self._settings = settings
        self._database = database
        self._pools: dict[str, tuple[ServiceSetup, ServicePool]] = {}
        self._checked: dict[str, float] = {}
        self._lock = asyncio.Lock()
        self._retiring: set[asyncio.Task[None]] = set()
        self.closed = False

    def pools(self) -> dict[str, ServicePool]:
        """The live pools by service name."""
        return {name: pool for name, (_, pool) in self._pools.items()}

    def setup(self, name: str) -> ServiceSetup | None:
        """The setup of the live pool of ``name``, if there is one."""
        entry = self._pools.get(name)
        return entry[0] if entry else None

    async def pool(self, name: str) -> ServicePool:
        """The pool of service ``name``, started if needed.

        Raises:
            UnknownService: no enabled service has that name.
        """
        entry = self._pools.get(name)
        fresh = (
            time.monotonic() - self._checked.get(name, -1e9)
            < self._settings.dispatcher.refresh_seconds
        )
        if entry is not None and fresh and not entry[1].stopping:
            return entry[1]
        async with self._lock:
            if self.closed:
                raise UnknownService(name)
            try:
                setup = await anyio.to_thread.run_sync(self._read, name)
            except UnknownService:
                # Deleted or disabled since its pool started: its servers go too.
                self._checked.pop(name, None)
                gone = self._pools.pop(name, None)
                if gone is not None:
                    logger.info("service %s is gone: stopping its pool", name)
                    self._retire(gone[1])
                raise
            self._checked[name] = time.monotonic()
            entry = self._pools.get(name)
            if entry is not None and entry[0] == setup and not entry[1].stopping:
                return entry[1]
            if entry is not None:
                logger.info("service %s changed: replacing its pool", name)
                self._retire(entry[1])
            pool = ServicePool(setup.pool_config, self._factory(setup))
            await pool.start()
            self._pools[name] = (setup, pool)
            return pool

    async def stop(self, name: str, timeout: float) -> bool:
        """Stop the servers of ``name`` once their requests finished; whether it had a pool."""
        entry = self._pools.pop(name, None)
        self._checked.pop(name, None)
        if entry is None:
            return False
        await entry[1].drain(timeout)
        return True

    async def aclose(self) -> None:
        """Stop every pool."""
        async with self._lock:
            self.closed = True
            pools = [pool for _, pool in self._pools.values()]
            self._pools.clear()
        await asyncio.gather(*(pool.aclose() for pool in pools), return_exceptions=True)
        while self._retiring:
            await asyncio.gather(*list(self._retiring), return_exceptions=True)

    def _retire(self, pool: ServicePool) -> None:
        task = asyncio.create_task(pool.drain(pool.config.settings.request_timeout))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    def _factory(self, setup: ServiceSetup) -> ServerFactory | None:
        if setup.spec.kind is ServiceKind.LAUNCH:
            return ZygoteFactory(setup.recipe)
        if setup.recipe.host is not None:
            return RemoteFactory(setup.recipe, self._hosts)
        if setup.spec.server_definition is not None and self._local is not None:
            return SupervisedFactory(setup.recipe, self._local, setup.spec.settings.max_servers)
        if setup.spec.server_definition is not None:
            return ProcessFactory(setup.recipe)
        return None  # a socket service of external servers

    def _read(self, name: str) -> ServiceSetup:
        """The service's setup from ``baton.toml`` or the registry (a worker thread)."""
        configured = self._settings.dispatcher.services.get(name)
        with self._database.session() as session:
            if configured is not None:
                spec = ServiceSpec.model_validate({**configured, "name": name})
            else:
                try:
                    record = services.get_service(session, name)
                except NotFound:
                    raise UnknownService(name) from None
                spec = ServiceSpec.model_validate(
                    record.model_dump(include=set(ServiceSpec.model_fields))
                )
            if not spec.enabled:
                raise UnknownService(name)
            folders: dict[str, Path] = {}
            for library in spec.libraries:
                try:
                    folders[library] = Path(libraries.get_library(session, library).path)
                except NotFound:
                    logger.warning("service %s: library %s does not exist", name, library)
            command: tuple[str, ...] = DEFAULT_COMMAND
            environment: dict[str, str] = {}
            cwd: Path | None = None
            host: str | None = None
            hosts: tuple[str, ...] = ()
            balancing = Balancing.LEAST_BUSY
            start_timeout = spec.settings.start_timeout
            if spec.server_definition is not None:
                with contextlib.suppress(NotFound):
                    definition = definitions.get_definition(session, spec.server_definition)
                    command = definition.command
                    environment = dict(definition.environment)
                    cwd = Path(definition.working_dir) if definition.working_dir else None
                    host = definition.host
                    hosts = tuple(definition.hosts)
                    balancing = definition.balancing
        recipe = ServerRecipe(
            service=name,
            libraries=folders,
            programs=spec.settings.programs_per_server,
            timeout=spec.settings.request_timeout,
            command=tuple(command),
            environment=environment,
            cwd=cwd,
            definition=spec.server_definition,
            start_timeout=start_timeout,
            run_dir=self._settings.run_path,
            log=self._server_log,
            host=host,
            hosts=hosts,
            balancing=balancing,
        )
        return ServiceSetup(spec, recipe)
