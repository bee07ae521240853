"""How the ``baton`` command shows job runs: the API's views of a run, tables, live progress.

:class:`RunProgress` follows a run from the successive :class:`RunDetail` answers of
``GET /api/runs/{id}``: on a terminal it redraws one table of the nodes in place (path, state
in colour, attempt, duration, error); elsewhere (a pipe, a file, the test runner) it prints one
plain line per change, so that a log keeps every step and no cursor movement.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from baton.cli import output
from baton.jobs.states import NodeState, RunState
from baton.registry.records import RunRecord

#: The colour of each run and node state.
STYLES: dict[str, str] = {
    "QUEUED": "blue",
    "PENDING": "dim",
    "RUNNING": "cyan",
    "WAITING": "blue",
    "RETRYING": "yellow",
    "SUCCEEDED": "green",
    "SKIPPED": "dim",
    "FAILED": "red",
    "CRASHED": "red",
    "CANCELLED": "magenta",
}
#: The states after which a run changes no more, as its API shows it (a crashed run that is
#: resumed goes back to QUEUED in the same transaction, so CRASHED is seen only for good).
RUN_ENDED = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.CRASHED})


class NodeAttempt(BaseModel):
    """One attempt of one node instance of a run, as ``GET /api/runs/{id}`` shows it."""

    node: str
    attempt: int
    state: NodeState
    outputs: dict[str, Any]
    error: str
    started_at: datetime | None
    finished_at: datetime | None


class RunDetail(BaseModel):
    """A run with every node attempt (``GET /api/runs/{id}``)."""

    run: RunRecord
    nodes: list[NodeAttempt]


def styled(state: str) -> Text:
    """A state in its colour."""
    return Text(state, style=STYLES.get(state, ""))


def elapsed(start: datetime | None, end: datetime | None, *, now: datetime | None = None) -> str:
    """How long from ``start`` to ``end`` (or to now): ``0.4s``, ``12.0s``, ``3m05s``, ``1h02m``;
    ``-`` when it has not started."""
    if start is None:
        return "-"
    until = end or now or datetime.now(UTC)
    seconds = max(0.0, (_aware(until) - _aware(start)).total_seconds())
    if seconds < 60:
        return f"{seconds:.1f}s"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def latest(nodes: list[NodeAttempt]) -> list[NodeAttempt]:
    """Each node instance's latest attempt, in the order the nodes first appeared."""
    last: dict[str, NodeAttempt] = {}
    for attempt in nodes:
        shown = last.get(attempt.node)
        if shown is None or attempt.attempt >= shown.attempt:
            last[attempt.node] = attempt
    return list(last.values())


def node_table(nodes: list[NodeAttempt]) -> Table:
    """The node attempts as a table: node, state, attempt, duration, error."""
    table = output.table("node", "state", "attempt", "duration", "error")
    for attempt in nodes:
        table.add_row(
            attempt.node,
            styled(attempt.state.value),
            str(attempt.attempt),
            elapsed(attempt.started_at, attempt.finished_at),
            attempt.error or "",
        )
    return table


def headline(run: RunRecord) -> Text:
    """``run 5 of hello (version 1): RUNNING 1.2s``, the state in colour."""
    text = Text(f"run {run.id} of {run.job} (version {run.version}): ")
    text.append_text(styled(run.state.value))
    if run.state is RunState.QUEUED and run.position is not None:
        text.append(f" (position {run.position} in the queue)")
    elif run.started_at is not None:
        text.append(f" {elapsed(run.started_at, run.finished_at)}")
    return text


def value(data: Any) -> str:
    """A JSON value on one line."""
    return json.dumps(data, ensure_ascii=False, default=str)


class RunProgress:
    """Shows a run as it goes; :meth:`update` with each new detail, :meth:`close` at the end.

    Args:
        console: where to draw.
        live: redraw a table in place (a terminal) rather than print a line per change.
    """

    def __init__(self, console: Console, *, live: bool) -> None:
        self.console = console
        self._live: Live | None = (
            Live(console=console, auto_refresh=False, transient=False) if live else None
        )
        self._started = False
        self._run_state: RunState | None = RunState.QUEUED  # the caller said it was queued
        self._seen: dict[tuple[str, int], NodeState] = {}

    def update(self, detail: RunDetail) -> None:
        """Show ``detail``, the run's latest state."""
        if self._live is not None:
            if not self._started:
                self._live.start()
                self._started = True
            shown = Group(headline(detail.run), node_table(latest(detail.nodes)))
            self._live.update(shown, refresh=True)
            return
        self._lines(detail)

    def close(self) -> None:
        """Stop redrawing (the last table stays on the screen)."""
        if self._live is not None and self._started:
            self._live.stop()
            self._started = False

    def _lines(self, detail: RunDetail) -> None:
        run = detail.run
        if run.state is not self._run_state:
            self._run_state = run.state
            # Its end is the caller's to tell, with the outputs and error.
            if run.state not in RUN_ENDED:
                line = Text(f"run {run.id}: ").append_text(styled(run.state.value))
                if run.state is RunState.RUNNING and run.runner:
                    line.append(f" on runner {run.runner}")
                self.console.print(line, soft_wrap=True, highlight=False)
        for attempt in detail.nodes:
            key = (attempt.node, attempt.attempt)
            if self._seen.get(key) is attempt.state:
                continue
            self._seen[key] = attempt.state
            line = Text(attempt.node)
            if attempt.attempt > 1:
                line.append(f" (attempt {attempt.attempt})")
            line.append(": ").append_text(styled(attempt.state.value))
            if attempt.finished_at is not None:
                line.append(f" in {elapsed(attempt.started_at, attempt.finished_at)}")
            if attempt.error:
                line.append(f": {attempt.error}")
            self.console.print(line, soft_wrap=True, highlight=False)
