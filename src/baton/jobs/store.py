"""Where a run's progress is kept while the engine runs it: the :class:`RunStore` protocol, and
:class:`MemoryStore`, which keeps it in memory (tests, single-process runs).

The runtime's store writes every call through to the registry's node runs
(``baton.registry.runs``), which is what lets a crashed run resume elsewhere.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from baton.jobs.states import NodeState

Outputs = dict[str, object]


class RunStore(Protocol):
    """Where a run's progress is kept; the engine calls it on every node transition.

    Calls come from several threads at once: implementations must be thread-safe. A node
    path (``greet``, ``each[3].greet``, ``again#2.step``) names one node instance.
    """

    def node_started(self, node_path: str, attempt: int) -> None:
        """Attempt ``attempt`` (from 1) of the node started."""
        ...

    def node_finished(
        self, node_path: str, attempt: int, state: NodeState, outputs: Outputs, error: str
    ) -> None:
        """The attempt ended in ``state``: SUCCEEDED, FAILED, CANCELLED, RETRYING (this attempt
        failed, another follows) or SKIPPED (attempt 0: the node never ran)."""
        ...

    def node_moved(self, node_path: str, attempt: int, state: NodeState) -> None:
        """The attempt moved inside its run: to WAITING (a wait node waits) or back to
        RUNNING."""
        ...

    def finished_nodes(self) -> dict[str, Outputs]:
        """Node path -> outputs of every node that SUCCEEDED or was SKIPPED in this run
        (in an earlier attempt of it): what a resumed run does not run again."""
        ...

    def log(self, node_path: str | None, line: str) -> None:
        """A line of the run's log (``node_path`` None: about the run as a whole)."""
        ...

    def set_variable(self, name: str, value: object) -> None:
        """Assign a job variable (an ``expression`` node's ``assign``)."""
        ...

    def variables(self) -> dict[str, object]:
        """The job variables assigned so far."""
        ...


@dataclass(frozen=True)
class NodeRecord:
    """One :meth:`RunStore.node_finished` call, as :class:`MemoryStore` keeps it."""

    path: str
    attempt: int
    state: NodeState
    outputs: Outputs
    error: str


class MemoryStore:
    """A thread-safe :class:`RunStore` in memory: for tests and single-process runs.

    Reuse one for a second :class:`Engine` to resume the run it recorded.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finished: dict[str, Outputs] = {}
        self._variables: dict[str, object] = {}
        #: Every ``(node_path, attempt)`` started, in order.
        self.started: list[tuple[str, int]] = []
        #: Every attempt's end, in order.
        self.records: list[NodeRecord] = []
        #: Every log line, in order.
        self.lines: list[tuple[str | None, str]] = []
        #: Every move inside an attempt (to WAITING and back), in order.
        self.moves: list[tuple[str, int, NodeState]] = []

    def node_started(self, node_path: str, attempt: int) -> None:
        with self._lock:
            self.started.append((node_path, attempt))

    def node_finished(
        self, node_path: str, attempt: int, state: NodeState, outputs: Outputs, error: str
    ) -> None:
        with self._lock:
            self.records.append(NodeRecord(node_path, attempt, state, dict(outputs), error))
            if state in (NodeState.SUCCEEDED, NodeState.SKIPPED):
                self._finished[node_path] = dict(outputs)

    def node_moved(self, node_path: str, attempt: int, state: NodeState) -> None:
        with self._lock:
            self.moves.append((node_path, attempt, state))

    def finished_nodes(self) -> dict[str, Outputs]:
        with self._lock:
            return dict(self._finished)

    def log(self, node_path: str | None, line: str) -> None:
        with self._lock:
            self.lines.append((node_path, line))

    def set_variable(self, name: str, value: object) -> None:
        with self._lock:
            self._variables[name] = value

    def variables(self) -> dict[str, object]:
        with self._lock:
            return dict(self._variables)

    def states(self, node_path: str) -> list[NodeState]:
        """The states a node path's attempts ended in, in order."""
        with self._lock:
            return [record.state for record in self.records if record.path == node_path]

    def final(self, node_path: str) -> NodeRecord | None:
        """A node path's last record, or None."""
        with self._lock:
            mine = [record for record in self.records if record.path == node_path]
        return mine[-1] if mine else None
