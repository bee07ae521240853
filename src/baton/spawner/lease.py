"""A server leased from this host's supervisor, seen through the :class:`Spawner` interface.

The dispatcher's pool and socket services get their servers this way (``baton serve``): each
pool slot holds one lease on a server of a plan derived for its service
(:func:`~baton.spawner.plan.for_service`), so the supervisor launches it under the
definition's launch account, keeps it in its saved state, shows it to operators, and stops it
when the slot gives it back. Servers of another host come through
:class:`~baton.spawner.remote.RemoteSpawner` instead, which speaks to that host's spawner.
"""

from __future__ import annotations

import contextlib

from baton.errors import BatonError, NotFound, SpawnFailed
from baton.protocol.tickets import Ticket
from baton.spawner.base import Spawner, SpawnerState
from baton.spawner.managed import ManagedServer
from baton.spawner.states import ProcessState
from baton.spawner.supervisor import Supervisor


class LeaseSpawner(Spawner):
    """One lease on a server of the supervisor's plan ``key``.

    Args:
        supervisor: this host's supervisor.
        key: the plan's key (``definition.service``).
        client: who the lease is for (shown to operators).
    """

    def __init__(self, supervisor: Supervisor, key: str, *, client: str) -> None:
        self._supervisor = supervisor
        self.key = key
        self.client = client
        self.lease: str | None = None
        self._server: ManagedServer | None = None
        self._ticket: Ticket | None = None
        self._status: int | None = None

    async def start(self) -> str:
        try:
            lease = await self._supervisor.acquire(self.key, client=self.client)
        except BatonError as exc:
            raise SpawnFailed(f"a server of {self.key!r}", exc.detail) from exc
        self.lease, self._ticket = lease.id, lease.ticket
        self._server = self._supervisor.leased(lease.id)
        self.pid = self._server.pid if self._server is not None else None
        return lease.address

    def poll(self) -> int | None:
        if self._status is not None:
            return self._status
        if self.lease is None:
            return None
        server = self._supervisor.leased(self.lease)
        if server is not None and server.state is ProcessState.RUNNING:
            return None
        # The lease ended under us: the server died, or an operator stopped it.
        gone = self._server.exit_status if self._server is not None else None
        self._status = gone if gone is not None else 0
        return self._status

    async def stop(self, grace: float = 10.0) -> int | None:
        if self._status is None and self.lease is not None:
            status = await self._supervisor.give_back(self.lease, grace)
            self._status = status if status is not None else 0
        elif self._status is None:
            self._status = 0
        return self._status

    async def ticket(self) -> Ticket | None:
        if self._ticket is not None and self._ticket.expiring() and self.lease is not None:
            with contextlib.suppress(NotFound):  # the server went; the connection says so
                self._ticket = self._supervisor.ticket(self.lease)
        return self._ticket

    def get_state(self) -> SpawnerState:
        return {"key": self.key, "lease": self.lease}

    def load_state(self, state: SpawnerState) -> None:
        """A lease does not outlive the process that held it: there is nothing to re-adopt,
        and :meth:`poll` says the server is gone."""
        self._status = 0
