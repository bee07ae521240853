"""Rendering for the ``baton`` command: rich tables on stdout, errors in red on stderr.

Consoles are made per call, so they follow the streams and the ``COLUMNS`` of the moment
(the test runner swaps both).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text


def table(*columns: str) -> Table:
    """An empty table with ``columns``; cells fold rather than being cut short."""
    result = Table()
    for column in columns:
        result.add_column(column, overflow="fold")
    return result


def show(rendered: Table) -> None:
    """Print a table to stdout."""
    Console(highlight=False).print(rendered)


def line(message: str, *, style: str | None = None) -> None:
    """Print one line to stdout, never interpreting ``[brackets]`` as markup."""
    Console(highlight=False).print(Text(message, style=style or ""), soft_wrap=True)


def error(message: str) -> None:
    """Print ``error: message`` in red to stderr."""
    Console(stderr=True, highlight=False).print(
        Text(f"error: {message}", style="red"), soft_wrap=True
    )


def moment(value: datetime | None) -> str:
    """A timestamp to the minute, in UTC; ``-`` for none."""
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


def names(values: Iterable[str]) -> str:
    """A comma-separated list; ``-`` when empty."""
    return ", ".join(values) or "-"
