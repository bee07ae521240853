"""A dispatcher server's lifecycle: one enum, one transition function (dependency-free).

::

    STARTING -> IDLE <-> BUSY
        |        |        |
        v        v        v
     STOPPED <- DRAINING <-+      (any state may go to STOPPED: the process died)

IDLE: it can take another request (some of its slots may be in use); BUSY: every slot is in
use; DRAINING: it takes no new request and stops once its requests finished (recycling, idle
timeout, STOP, a timed-out program holding a slot); STOPPED: gone.
"""

from __future__ import annotations

from enum import StrEnum


class ServerState(StrEnum):
    """Where a server of a service is in its life."""

    STARTING = "STARTING"
    IDLE = "IDLE"
    BUSY = "BUSY"
    DRAINING = "DRAINING"
    STOPPED = "STOPPED"


#: The states in which a server may take a request.
ACCEPTING = frozenset({ServerState.IDLE})
#: The states of a server that still has (or will have) a process.
LIVE = frozenset({ServerState.STARTING, ServerState.IDLE, ServerState.BUSY, ServerState.DRAINING})

_TRANSITIONS: dict[ServerState, frozenset[ServerState]] = {
    ServerState.STARTING: frozenset({ServerState.IDLE, ServerState.STOPPED}),
    ServerState.IDLE: frozenset({ServerState.BUSY, ServerState.DRAINING, ServerState.STOPPED}),
    ServerState.BUSY: frozenset({ServerState.IDLE, ServerState.DRAINING, ServerState.STOPPED}),
    ServerState.DRAINING: frozenset({ServerState.STOPPED}),
    # An external server that stopped answering comes back when it answers again.
    ServerState.STOPPED: frozenset({ServerState.IDLE}),
}


class InvalidServerTransition(ValueError):
    """A server state change that the lifecycle does not allow."""

    def __init__(self, current: ServerState, target: ServerState) -> None:
        super().__init__(f"a server cannot go from {current} to {target}")
        self.current = current
        self.target = target


def change_server_state(current: ServerState, target: ServerState) -> ServerState:
    """Return ``target`` if a server may go there from ``current`` (or stays); raise otherwise."""
    if target is not current and target not in _TRANSITIONS[current]:
        raise InvalidServerTransition(current, target)
    return target
