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

from baton.errors import OperatorBusy
from baton.registry.database import Database
from baton.settings import Settings
from baton.spawner.catalog import read_plans
from baton.spawner.plan import ServerPlan
from baton.spawner.supervisor import Supervisor, SupervisorConfig
from baton.spawner.workspaces import Workspaces


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
    """

    def __init__(
        self,
        settings: Settings,
        database: Database | None,
        *,
        host: str | None = None,
        plans: Callable[[], list[ServerPlan]] | None = None,
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
        self.workspaces = Workspaces(settings, database, host=host)

    async def open(self) -> None:
        """Read the definitions, re-adopt what still runs, start the loop."""
        (self.settings.home / "logs").mkdir(parents=True, exist_ok=True, mode=0o700)
        plans = await anyio.to_thread.run_sync(self._read)
        await self.supervisor.open(plans)
        await self.workspaces.open()

    async def refresh(self) -> list[str]:
        """Read the definitions again; the names of those now in effect."""
        plans = await anyio.to_thread.run_sync(self._read)
        self.supervisor.refresh(plans)
        return [plan.definition for plan in plans]

    async def aclose(self) -> None:
        """Stop every server and the loop."""
        await self.workspaces.aclose()
        await self.supervisor.aclose()
