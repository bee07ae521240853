"""What the operator interface shows: servers, definitions, the operator session, the trace.

Pydantic models built from the supervisor's records; ``/api/operator`` answers with them and
``baton operator`` reads its answers back into them. The request bodies are here too, so the
whole shape of the interface is in one place. Importing this module does not import the web
framework.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from baton.registry.enums import ServerKind
from baton.spawner.states import ProcessState

if TYPE_CHECKING:  # the CLI reads answers without loading the spawner
    from baton.spawner.managed import DefinitionRun, ManagedServer
    from baton.spawner.service import OperatorSession


class View(BaseModel):
    """Base of the operator's answers: frozen."""

    model_config = ConfigDict(frozen=True)


class ServerView(View):
    """One server process of this host's spawner."""

    id: str = Field(description="The server's id, DEFINITION-N.")
    definition: str
    kind: ServerKind
    state: ProcessState
    pid: int | None = Field(description="Its process id, while it has one.")
    address: str | None = Field(description="Where it listens (tcp:HOST:PORT), once RUNNING.")
    uptime: float | None = Field(description="Seconds since it last became RUNNING.")
    clients: int = Field(description="Clients it serves now.")
    uses: int = Field(description="Clients it served since it started.")
    failures: int = Field(description="Failed starts or deaths in a row (sets the backoff).")
    problem: str = Field(description="Why it last failed, or ''.")
    draining: bool = Field(description="It takes no new client and stops once they left.")
    response_time: float = Field(description="Moving average of its clients' durations (s).")


class RemoteServerView(View):
    """One server of another host's spawner, as that spawner reports it."""

    id: str
    definition: str
    state: str
    pid: int | None
    address: str | None
    uptime: float | None
    clients: int
    uses: int
    problem: str
    cost: int = Field(
        0,
        description="Its cost now (clients times cost_per_client, plus "
        "startup_cost while it starts).",
    )
    response_time: float = Field(0.0, description="Moving average of its clients' durations.")


class HostView(View):
    """A host's spawner that joined the control plane, and its servers."""

    name: str
    url: str = Field(description="Where its spawner listens.")
    silent: float = Field(description="Seconds since it last joined (it joins every 10 s).")
    servers: list[RemoteServerView] = Field(description="Its servers ([] when it did not answer).")
    clients: int = Field(description="Clients of its running and starting servers, in total.")
    cost: int = Field(description="Their total cost (what cost balancing compares hosts by).")
    error: str = Field(description="Why its servers could not be listed, or ''.")


class DefinitionView(View):
    """One server definition this host's spawner runs, with the operator's switches."""

    name: str = Field(
        description="The definition's name; ``definition.service`` for the servers a "
        "dispatcher service leases from it (its own arguments, its own pool)."
    )
    service: str | None = Field(
        description="The dispatcher service these servers are for, or null for the definition's."
    )
    kind: ServerKind
    problem: str = Field(description="Why none of its servers may start (launch account), or ''.")
    failed: str | None = Field(description="Why it is FAILED (reset it), or null.")
    paused: bool = Field(description="No new client gets a server; they wait.")
    quiesced: bool = Field(description="No new client; servers stop once their clients left.")
    waiting: int = Field(description="Clients waiting for a server now.")
    servers: int = Field(description="Its servers, in any state.")
    states: dict[ProcessState, int] = Field(description="Its servers by state.")


class SessionView(View):
    """Who holds the operator session of this host's spawner."""

    holder: str | None = Field(description="The user holding it, or null when it is free.")
    since: datetime | None = Field(description="When they took it (UTC).")
    yours: bool = Field(description="Whether the caller holds it.")
    lapse_seconds: float = Field(description="Seconds without an action after which it lapses.")


class StopResult(View):
    """A server stopped by an operator (the supervisor starts others up to its floors)."""

    server: str
    killed: bool = Field(description="SIGKILL at once, rather than SIGTERM then SIGKILL.")
    exit_status: int | None


class RefreshResult(View):
    """The definitions in effect after reading them again."""

    definitions: list[str]


class TraceView(View):
    """The supervisor's decision log."""

    on: bool = Field(description="Whether decisions are being kept.")
    lines: list[str] = Field(description="The most recent decisions, oldest first.")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TakeBody(Body):
    force: bool = Field(
        False, description="Take it over from another operator (administrators only; audited)."
    )


class TraceBody(Body):
    on: bool = Field(description="Keep (true) or stop keeping (false) the decision log.")


def server_view(server: ManagedServer) -> ServerView:
    """The view of one supervised server."""
    uptime = None
    if server.state is ProcessState.RUNNING and server.started_at is not None:
        uptime = max(0.0, time.time() - server.started_at)
    return ServerView(
        id=server.id,
        definition=server.plan.key,
        kind=server.plan.kind,
        state=server.state,
        pid=server.pid,
        address=server.address,
        uptime=uptime,
        clients=server.clients,
        uses=server.uses,
        failures=server.failures,
        problem=server.problem,
        draining=server.draining,
        response_time=server.response_time,
    )


def definition_view(run: DefinitionRun) -> DefinitionView:
    """The view of one definition and its servers."""
    states: dict[ProcessState, int] = {}
    for server in run.servers.values():
        states[server.state] = states.get(server.state, 0) + 1
    return DefinitionView(
        name=run.plan.key,
        service=run.plan.service or None,
        kind=run.plan.kind,
        problem=run.plan.problem,
        failed=run.failed or None,
        paused=run.paused,
        quiesced=run.quiesced,
        waiting=run.waiting,
        servers=len(run.servers),
        states=states,
    )


def session_view(session: OperatorSession, caller: str) -> SessionView:
    """The operator session as ``caller`` sees it (a lapsed one is free)."""
    lapsed = time.monotonic() - session.last_action > session.timeout
    holder = session.holder if session.holder and not lapsed else None
    return SessionView(
        holder=holder,
        since=session.since if holder else None,
        yours=holder is not None and holder == caller,
        lapse_seconds=session.timeout,
    )
