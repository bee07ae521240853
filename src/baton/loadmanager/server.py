"""One server of a service, as the load manager sees it: state, slots, sessions, connections."""

from __future__ import annotations

import time

from baton.loadmanager.connection import ServerConnection
from baton.loadmanager.states import ServerState, change_server_state
from baton.loadmanager.stats import ServerStats
from baton.protocol.tickets import hello_for
from baton.spawner.base import Spawner

#: Idle connections kept open to one server, for the next requests.
MAX_IDLE_CONNECTIONS = 8


class ServerHandle:
    """A server: started by ``spawner``, or external (``spawner`` None) at ``address``.

    Args:
        server_id: its name in the service (``"default#3"``).
        capacity: requests it runs at once (``PROGRAMS=n``).
        spawner: what started it, or None for an external server.
        address: where it listens, once known.
        single_use: a launch server: it serves one request (plus its session's, if any).
    """

    def __init__(
        self,
        server_id: str,
        capacity: int,
        *,
        spawner: Spawner | None = None,
        address: str | None = None,
        single_use: bool = False,
    ) -> None:
        self.server_id = server_id
        self.capacity = capacity
        self.spawner = spawner
        self.address = address
        self.single_use = single_use
        self.state = ServerState.STARTING if spawner is not None else ServerState.IDLE
        self.active = 0
        self.served = 0
        self.sessions: set[str] = set()
        self.stats = ServerStats()
        self.started_at = time.monotonic()
        self.last_used = self.started_at
        #: A stop is under way (set once).
        self.stopping = False
        self._idle: list[ServerConnection] = []

    def __repr__(self) -> str:
        return f"<server {self.server_id} {self.state} {self.active}/{self.capacity}>"

    @property
    def pid(self) -> int | None:
        """The server's process id, when it has one here."""
        return self.spawner.pid if self.spawner is not None else None

    @property
    def fresh(self) -> bool:
        """A launch server that has not served its request yet."""
        return self.single_use and self.served == 0 and self.active == 0

    def set_state(self, target: ServerState) -> None:
        """Move to ``target`` (checked by the lifecycle)."""
        self.state = change_server_state(self.state, target)

    def reserve(self) -> None:
        """Take one of its slots for a request."""
        self.active += 1
        self.last_used = time.monotonic()
        if self.active >= self.capacity and self.state is ServerState.IDLE:
            self.set_state(ServerState.BUSY)

    def unreserve(self) -> None:
        """Give back a slot that served no request (its request gave up first)."""
        self.active -= 1
        if self.state is ServerState.BUSY:
            self.set_state(ServerState.IDLE)

    def free(self) -> None:
        """Give a slot back after its request."""
        self.active -= 1
        self.served += 1
        self.last_used = time.monotonic()
        if self.state is ServerState.BUSY:
            self.set_state(ServerState.IDLE)

    async def connection(self) -> ServerConnection:
        """An open connection to the server: an idle one, or a new one.

        A new connection opens with a HELLO when the spawner has a ticket for the server
        (:meth:`Spawner.ticket`); an idle one already did.

        Raises:
            ConnectionLost: the server cannot be reached.
        """
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        assert self.address is not None
        ticket = await self.spawner.ticket() if self.spawner is not None else None
        hello = hello_for(ticket) if ticket is not None else None
        return await ServerConnection.open(self.address, hello=hello)

    async def give_back(self, connection: ServerConnection, *, reusable: bool) -> None:
        """Keep ``connection`` for the next request, or close it."""
        if reusable and not connection.closed and len(self._idle) < MAX_IDLE_CONNECTIONS:
            self._idle.append(connection)
        else:
            await connection.aclose()

    async def close_connections(self) -> None:
        """Close every idle connection."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()
