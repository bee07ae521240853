"""The supervisor's records: one per server process, one per definition, one per client lease."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from baton.protocol.tickets import Ticket
from baton.spawner.base import Spawner
from baton.spawner.plan import ServerPlan
from baton.spawner.states import LIVE, ProcessState, change_state

#: Weight of the newest response time in a server's moving average.
_RESPONSE_WEIGHT = 0.2


@dataclass
class ManagedServer:
    """One server process the supervisor looks after.

    Attributes:
        id: its id, ``definition-N``.
        plan: the definition it was started from.
        port: the port it was given (0: it picked one).
        token: the secret it was started with (``{token}``); never shown to clients.
        key: the key its clients' tickets are signed with (``BATON_SERVER_KEY`` in its
            environment); never shown to clients.
        state: where it is in its life (change it with :meth:`change`).
        spawner: the backend that started it.
        address: where it listens, once RUNNING.
        started_at: wall-clock time it last became RUNNING.
        running_since: monotonic time it last became RUNNING.
        last_used: monotonic time a client last took or left it.
        uses: clients it has served since it started.
        clients: clients it serves now.
        failures: starts in a row that failed or died (sets the backoff).
        retry_at: monotonic time a BACKOFF server is started again.
        draining: it takes no new client and stops once its clients left (recycle, quiesce,
            a changed definition).
        exit_status: the status it ended with, when it did.
        problem: why it last failed.
        response_time: moving average of its clients' durations, in seconds.
    """

    id: str
    plan: ServerPlan
    port: int = 0
    token: str = ""
    key: str = ""
    state: ProcessState = ProcessState.STARTING
    spawner: Spawner | None = None
    address: str | None = None
    started_at: float | None = None
    running_since: float = 0.0
    last_used: float = field(default_factory=time.monotonic)
    uses: int = 0
    clients: int = 0
    failures: int = 0
    retry_at: float = 0.0
    draining: bool = False
    exit_status: int | None = None
    problem: str = ""
    response_time: float = 0.0

    def change(self, target: ProcessState) -> None:
        """Move to ``target`` (checked by the one transition function)."""
        self.state = change_state(self.state, target)

    @property
    def pid(self) -> int | None:
        """Its process id, while it has one."""
        return self.spawner.pid if self.spawner is not None else None

    @property
    def live(self) -> bool:
        """Whether it counts toward its definition's servers."""
        return self.state in LIVE and not self.draining

    def available(self) -> bool:
        """Whether it can take one more client."""
        if self.state is not ProcessState.RUNNING or self.draining:
            return False
        pool = self.plan.pool
        if self.clients >= pool.max_clients:
            return False
        return not pool.max_cost or self.cost() + pool.cost_per_client <= pool.max_cost

    def cost(self) -> int:
        """Its load for cost balancing: a cost per client, plus the startup cost while starting."""
        pool = self.plan.pool
        starting = pool.startup_cost if self.state is ProcessState.STARTING else 0
        return self.clients * pool.cost_per_client + starting

    def record_response(self, seconds: float) -> None:
        """Fold one client's duration into :attr:`response_time`."""
        if self.response_time == 0.0:
            self.response_time = seconds
        else:
            self.response_time += _RESPONSE_WEIGHT * (seconds - self.response_time)


@dataclass
class DefinitionRun:
    """A definition's servers and the operator's switches on it.

    Attributes:
        plan: the definition as it is now.
        servers: its servers by id (STOPPED ones are dropped).
        restarts: monotonic times of recent restarts (the flapping window).
        failed: why it is FAILED ("" when it is not).
        paused: no new client is given a server (they wait); servers keep running.
        quiesced: no new client; servers stop once their clients left.
        removed: the definition is gone (a refresh no longer has it); it is forgotten once its
            servers stopped.
        waiting: clients waiting for a server now.
        turn: the round-robin position.
        counter: the number of the next server id.
    """

    plan: ServerPlan
    servers: dict[str, ManagedServer] = field(default_factory=dict)
    restarts: deque[float] = field(default_factory=deque)
    failed: str = ""
    paused: bool = False
    quiesced: bool = False
    removed: bool = False
    waiting: int = 0
    turn: int = 0
    counter: int = 0

    def next_id(self) -> str:
        """A new server id."""
        self.counter += 1
        return f"{self.plan.key}-{self.counter}"

    def live(self) -> list[ManagedServer]:
        """Servers that count toward the definition (not draining, stopping or stopped)."""
        return [server for server in self.servers.values() if server.live]


@dataclass(frozen=True)
class Lease:
    """A server given to a client, until the client releases it.

    Attributes:
        id: the lease's id (what the client releases).
        definition: the definition (the supervisor's key) of the server.
        server: the server's id.
        address: where the server listens.
        ticket: what the client opens connections to the server with (its secret is this
            lease's alone; see ``baton.protocol.tickets``), or None for a server without a key.
        client: who asked.
        since: monotonic time it was given.
    """

    id: str
    definition: str
    server: str
    address: str
    ticket: Ticket | None = None
    client: str = ""
    since: float = field(default_factory=time.monotonic)
