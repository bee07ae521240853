"""A :class:`~baton.jobs.store.RunStore` that writes every call through to the registry.

Each node transition, output and variable of a run is committed as it happens (one short
transaction per call), so a runner that dies leaves behind exactly what finished: a new runner
reading :meth:`RegistryStore.finished_nodes` resumes the run without running those nodes again.
Log lines go to a callback (the runtime keeps them per run and node).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from baton.jobs.states import NodeState
from baton.jobs.store import Outputs
from baton.registry import runs
from baton.registry.database import Database

#: Receives each log line: (node path or None for the run, the line).
LogSink = Callable[[str | None, str], None]


class RegistryStore:
    """The progress of run ``run_id``, kept in the registry.

    Args:
        database: the registry.
        run_id: the run.
        log: where log lines go (default: dropped).
    """

    def __init__(self, database: Database, run_id: int, *, log: LogSink | None = None) -> None:
        self._database = database
        self._run = run_id
        self._log = log
        self._lock = threading.Lock()
        # The engine counts attempts from 1 in each process; a resumed run's attempts follow
        # the ones recorded before, so that no earlier attempt's record is overwritten.
        with database.session() as session:
            self._before = runs.last_attempts(session, run_id)

    def _attempt(self, node_path: str, attempt: int) -> int:
        return self._before.get(node_path, 0) + attempt if attempt else attempt

    def node_started(self, node_path: str, attempt: int) -> None:
        with self._lock, self._database.session() as session:
            attempt = self._attempt(node_path, attempt)
            runs.record_node(session, self._run, node_path, attempt, NodeState.RUNNING)

    def node_finished(
        self, node_path: str, attempt: int, state: NodeState, outputs: Outputs, error: str
    ) -> None:
        with self._lock, self._database.session() as session:
            attempt = self._attempt(node_path, attempt)
            runs.record_node(
                session, self._run, node_path, attempt, state, outputs=dict(outputs), error=error
            )

    def node_moved(self, node_path: str, attempt: int, state: NodeState) -> None:
        with self._lock, self._database.session() as session:
            attempt = self._attempt(node_path, attempt)
            runs.record_node(session, self._run, node_path, attempt, state)

    def finished_nodes(self) -> dict[str, Outputs]:
        with self._database.session() as session:
            return dict(runs.finished_nodes(session, self._run))

    def log(self, node_path: str | None, line: str) -> None:
        if self._log is not None:
            self._log(node_path, line)

    def set_variable(self, name: str, value: object) -> None:
        with self._lock, self._database.session() as session:
            runs.set_variable(session, self._run, name, value)

    def variables(self) -> dict[str, object]:
        with self._database.session() as session:
            return dict(runs.variables(session, self._run))
