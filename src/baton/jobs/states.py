"""Lifecycles of runs and node runs: enums, named groups, and one transition function each.

Dependency-free on purpose: the registry stores these states and the runtime drives them.
"""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    """A job run's lifecycle. FAILED: a step failed; CRASHED: the infrastructure died."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"


class NodeState(StrEnum):
    """One node's lifecycle inside a run."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    WAITING = "WAITING"
    RETRYING = "RETRYING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"


RUN_TERMINAL = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED})
RUN_ACTIVE = frozenset({RunState.QUEUED, RunState.RUNNING, RunState.CRASHED})
NODE_TERMINAL = frozenset(
    {NodeState.SUCCEEDED, NodeState.FAILED, NodeState.SKIPPED, NodeState.CANCELLED}
)

_RUN_TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    RunState.QUEUED: frozenset({RunState.RUNNING, RunState.CANCELLED}),
    RunState.RUNNING: frozenset(
        {RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.CRASHED}
    ),
    # A crashed run is resumed (back to the queue) or given up (failed / cancelled).
    RunState.CRASHED: frozenset({RunState.QUEUED, RunState.FAILED, RunState.CANCELLED}),
    RunState.SUCCEEDED: frozenset(),
    RunState.FAILED: frozenset(),
    RunState.CANCELLED: frozenset(),
}

_NODE_TRANSITIONS: dict[NodeState, frozenset[NodeState]] = {
    NodeState.PENDING: frozenset(
        {NodeState.RUNNING, NodeState.WAITING, NodeState.SKIPPED, NodeState.CANCELLED}
    ),
    NodeState.RUNNING: frozenset(
        {
            NodeState.SUCCEEDED,
            NodeState.FAILED,
            NodeState.RETRYING,
            NodeState.WAITING,
            NodeState.CANCELLED,
            NodeState.CRASHED,
        }
    ),
    NodeState.WAITING: frozenset(
        {NodeState.RUNNING, NodeState.FAILED, NodeState.CANCELLED, NodeState.CRASHED}
    ),
    NodeState.RETRYING: frozenset({NodeState.RUNNING, NodeState.CANCELLED, NodeState.FAILED}),
    NodeState.CRASHED: frozenset({NodeState.RETRYING, NodeState.FAILED, NodeState.CANCELLED}),
    NodeState.SUCCEEDED: frozenset(),
    NodeState.FAILED: frozenset(),
    NodeState.SKIPPED: frozenset(),
    NodeState.CANCELLED: frozenset(),
}


class InvalidTransition(ValueError):
    """A state change that the lifecycle does not allow."""

    def __init__(self, current: StrEnum, target: StrEnum) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


def change_run_state(current: RunState, target: RunState) -> RunState:
    """Return ``target`` if a run may go there from ``current``; raise otherwise."""
    if target not in _RUN_TRANSITIONS[current]:
        raise InvalidTransition(current, target)
    return target


def change_node_state(current: NodeState, target: NodeState) -> NodeState:
    """Return ``target`` if a node run may go there from ``current``; raise otherwise."""
    if target not in _NODE_TRANSITIONS[current]:
        raise InvalidTransition(current, target)
    return target
