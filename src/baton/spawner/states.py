"""A supervised server process's lifecycle: one enum, one transition function (dependency-free).

::

    STARTING ──> RUNNING ──> STOPPING ──> STOPPED
       │  ▲         │            ▲
       │  └─ BACKOFF <┘ (it died) │
       │       │                  │
       └───────┴──> FAILED ───────┘ (flapping; an operator resets it)

STARTING: launched, not yet listening. RUNNING: it listens and may take clients. STOPPING: asked
to end (SIGTERM, SIGKILL after the grace period). STOPPED: gone, on purpose. BACKOFF: it exited
or failed to start and waits before the next attempt. FAILED: it failed too often in the
flapping window; nothing restarts it until an operator resets its definition.
"""

from __future__ import annotations

from enum import StrEnum


class ProcessState(StrEnum):
    """Where a supervised server is in its life."""

    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    BACKOFF = "BACKOFF"


#: States of a server that has, or is about to have, a process the supervisor counts.
LIVE = frozenset({ProcessState.STARTING, ProcessState.RUNNING, ProcessState.BACKOFF})
#: States from which nothing follows without an operator.
TERMINAL = frozenset({ProcessState.STOPPED})
#: States with a process that may still run.
HAS_PROCESS = frozenset({ProcessState.STARTING, ProcessState.RUNNING, ProcessState.STOPPING})

_TRANSITIONS: dict[ProcessState, frozenset[ProcessState]] = {
    ProcessState.STARTING: frozenset(
        {ProcessState.RUNNING, ProcessState.STOPPING, ProcessState.BACKOFF, ProcessState.FAILED}
    ),
    ProcessState.RUNNING: frozenset(
        {ProcessState.STOPPING, ProcessState.BACKOFF, ProcessState.FAILED}
    ),
    ProcessState.STOPPING: frozenset({ProcessState.STOPPED}),
    ProcessState.BACKOFF: frozenset(
        {ProcessState.STARTING, ProcessState.STOPPED, ProcessState.FAILED}
    ),
    ProcessState.FAILED: frozenset({ProcessState.STOPPED}),
    ProcessState.STOPPED: frozenset(),
}


class InvalidProcessTransition(ValueError):
    """A state change that the lifecycle does not allow."""

    def __init__(self, current: ProcessState, target: ProcessState) -> None:
        super().__init__(f"a supervised server cannot go from {current} to {target}")
        self.current = current
        self.target = target


def change_state(current: ProcessState, target: ProcessState) -> ProcessState:
    """Return ``target`` if a server may go there from ``current`` (or stays); raise otherwise."""
    if target is not current and target not in _TRANSITIONS[current]:
        raise InvalidProcessTransition(current, target)
    return target
