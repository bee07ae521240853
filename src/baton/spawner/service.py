"""The spawner of one host: its supervisor, fed from the registry, and the operator session.

``baton serve`` holds the control plane's own (the definitions bound to no host); ``baton
spawner`` holds another host's. Definitions are read when it opens and again on
:meth:`HostSpawner.refresh` (the operator's ``refresh``, or a restart): a changed definition's
servers are replaced as they become free, a removed one's stop.

One operator at a time: :meth:`OperatorSession.take` gives the session to a user and refuses a
second one with :class:`~baton.errors.OperatorBusy` naming the holder; it lapses after
``timeout`` seconds without an operator action, and an administrator may take it over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio.to_thread

from baton.errors import OperatorBusy, SpawnFailed
from baton.registry.database import Database
from baton.settings import Settings
from baton.spawner.catalog import read_plans
from baton.spawner.plan import ServerPlan, for_service
from baton.spawner.remote import JoinedHosts
from baton.spawner.supervisor import Supervisor, SupervisorConfig
from baton.spawner.workspaces import Workspaces


@dataclass(frozen=True)
class Derivation:
    """How a dispatcher service's plan is derived from its definition's
    (:func:`~baton.spawner.plan.for_service`).

    Attributes:
        definition: the server definition.
        service: the service.
        arguments: what the service adds to the command (libraries, programs, timeout).
        max_servers: the service's maximum of servers.
        wait: seconds a pool slot waits for a server to start.
    """

    definition: str
    service: str
    arguments: tuple[str, ...]
    max_servers: int
    wait: float

    def apply(self, base: ServerPlan) -> ServerPlan:
        """The derived plan, from the definition's plan ``base``."""
        return for_service(base, self.service, self.arguments, self.max_servers, self.wait)


@dataclass
class OperatorSession:
    """Who operates this spawner now.

    Attributes:
        timeout: seconds without an action after which the session lapses.
        holder: the user holding it ("" when free).
        since: when they took it (UTC).
        last_action: monotonic time of their last action.
    """

    timeout: float = 900.0
    holder: str = ""
    since: datetime | None = None
    last_action: float = 0.0

    def take(self, user: str, *, force: bool = False) -> None:
        """Give the session to ``user`` (again: it stays theirs).

        Raises:
            OperatorBusy: someone else holds it and ``force`` is false.
        """
        if self.holder and self.holder != user and not force and not self._lapsed():
            since = self.since.isoformat(timespec="seconds") if self.since else "?"
            raise OperatorBusy(self.holder, since)
        if self.holder != user:
            self.holder, self.since = user, datetime.now(UTC)
        self.last_action = time.monotonic()

    def release(self, user: str) -> bool:
        """Free the session if ``user`` holds it; whether they did."""
        if self.holder != user:
            return False
        self.holder, self.since = "", None
        return True

    def _lapsed(self) -> bool:
        return time.monotonic() - self.last_action > self.timeout


class HostSpawner:
    """The supervisor of one host's definitions, with the operator's session.

    Args:
        settings: the installation's settings (``[spawner]`` and the key ring's path).
        database: the registry (None when ``plans`` is given).
        host: the registry name of this host (None: the control plane's own spawner).
        plans: where plans come from (default: the registry); another host's spawner reads
            them from the control plane.
        hosts: the other hosts' spawners that joined the control plane (whose spawner has
            them start the kernels of workspace definitions bound to them).
        kernel_ip: the address this host's workspace kernels listen on.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database | None,
        *,
        host: str | None = None,
        plans: Callable[[], list[ServerPlan]] | None = None,
        hosts: JoinedHosts | None = None,
        kernel_ip: str = "127.0.0.1",
    ) -> None:
        spawner = settings.spawner
        self.settings = settings
        self.host = host
        if plans is None:
            if database is None:
                raise ValueError("a spawner reads its plans from the registry or from plans()")
            registry = database

            def plans() -> list[ServerPlan]:
                return read_plans(registry, settings.key_path, spawner, host=host)

        self._read = plans
        state = settings.spawner_state_path / f"{host or 'local'}.json"
        self.supervisor = Supervisor(
            SupervisorConfig(
                state_file=state,
                tick=spawner.tick_seconds,
                stop_grace=spawner.stop_grace,
                backoff=spawner.backoff_seconds,
                max_backoff=spawner.max_backoff_seconds,
                flap_restarts=spawner.flap_restarts,
                flap_window=spawner.flap_window,
                log=settings.home / "logs" / "servers.log",
            )
        )
        self.operator = OperatorSession()
        self.workspaces = Workspaces(
            settings, database, host=host, hosts=hosts, kernel_ip=kernel_ip
        )
        #: Plans derived for dispatcher services: key -> (how to derive it, pools using it).
        self._derived: dict[str, tuple[Derivation, int]] = {}

    async def open(self) -> None:
        """Read the definitions, re-adopt what still runs, start the loop."""
        (self.settings.home / "logs").mkdir(parents=True, exist_ok=True, mode=0o700)
        plans = await anyio.to_thread.run_sync(self._read)
        await self.supervisor.open(plans)
        await self.workspaces.open()

    async def refresh(self) -> list[str]:
        """Read the definitions again; the names of those now in effect.

        The plans derived for dispatcher services follow their definition's change (their
        servers are replaced as they become free); those of a definition that went stop.
        """
        plans = await anyio.to_thread.run_sync(self._read)
        bases = {plan.definition: plan for plan in plans}
        derived = [
            derivation.apply(bases[derivation.definition])
            for derivation, _ in self._derived.values()
            if derivation.definition in bases
        ]
        self.supervisor.refresh([*plans, *derived])
        return [plan.definition for plan in plans]

    async def attach_service(self, derivation: Derivation) -> str:
        """Have the supervisor run a dispatcher service's servers (one more pool uses them);
        the key of their plan.

        Raises:
            SpawnFailed: the definition is not one this host runs (disabled, a workspace, or
                bound to another host).
        """
        base = self._base(derivation.definition)
        if base is None:  # created or enabled since the last read
            await self.refresh()
            base = self._base(derivation.definition)
        if base is None:
            raise SpawnFailed(
                f"service {derivation.service!r}",
                f"server definition {derivation.definition!r} is not enabled on this host",
            )
        plan = derivation.apply(base)
        _, users = self._derived.get(plan.key, (derivation, 0))
        self._derived[plan.key] = (derivation, users + 1)
        self.supervisor.attach(plan)
        return plan.key

    def detach_service(self, key: str) -> None:
        """One pool no longer uses the servers of ``key``; the last one's leaving stops them."""
        entry = self._derived.get(key)
        if entry is None:
            return
        derivation, users = entry
        if users > 1:
            self._derived[key] = (derivation, users - 1)
            return
        del self._derived[key]
        run = self.supervisor.definitions().get(key)
        if run is not None:
            self.supervisor.detach(run.plan)

    def _base(self, definition: str) -> ServerPlan | None:
        run = self.supervisor.definitions().get(definition)
        return run.plan if run is not None and not run.removed else None

    async def aclose(self) -> None:
        """Stop every server and the loop."""
        await self.workspaces.aclose()
        await self.supervisor.aclose()
