"""A program started by a runner: how it ended, and how to stop it early."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    """How a program ended.

    Attributes:
        error: None when it succeeded, else a sentence for the ERROR frame (no traceback).
        log: the lines it logged.
    """

    error: str | None
    log: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Running:
    """A program that runs now.

    Attributes:
        done: resolves to its :class:`Outcome` once it ended and released its slot.
        halt: stops it as well as it can (idempotent); ``done`` resolves once it really ended.
    """

    done: asyncio.Future[Outcome]
    halt: Callable[[], None]
