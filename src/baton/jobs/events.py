"""Named events in the control plane: who waits for them, who listens.

An event has a name (``orders.loaded``) and a JSON object payload. It is raised by ``POST
/api/events/{name}``, by a run's ``emit`` node, by a webhook, or by the runtime itself when a
run ends (``run.finished``, payload ``{run, job, state, outputs}``). :meth:`EventBus.publish`
hands it to the ``wait`` nodes waiting for that name whose filter holds (each waiter gets it
once) and to the listeners (the triggers). Events are not stored: a wait node sees the events
raised while it waits, not earlier ones.

Filters are CEL expressions over ``event`` (the payload); one that fails to evaluate (a missing
key) does not match.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from baton.jobs.expressions import ExpressionError, evaluate

logger = logging.getLogger(__name__)

#: The event the runtime raises when a run ends.
RUN_FINISHED = "run.finished"

#: Receives each event: (name, payload, source).
Listener = Callable[[str, dict[str, Any], str], None]


def matches(filter_text: str | None, payload: Mapping[str, Any]) -> bool:
    """Whether ``payload`` passes ``filter_text`` (empty: always)."""
    if not filter_text:
        return True
    try:
        return evaluate(filter_text, {"event": dict(payload)}) is True
    except ExpressionError as exc:
        logger.debug("event filter %r does not apply: %s", filter_text, exc)
        return False


@dataclass
class _Waiter:
    name: str
    filter: str | None
    future: asyncio.Future[dict[str, Any]] = field(repr=False)


class EventBus:
    """The control plane's events (on its event loop)."""

    def __init__(self) -> None:
        self._waiters: dict[str, list[_Waiter]] = {}
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` for every event published from now on."""
        self._listeners.append(listener)

    def waiting(self, name: str) -> int:
        """How many waits for ``name`` are pending."""
        return len(self._waiters.get(name, []))

    def publish(self, name: str, payload: Mapping[str, Any], *, source: str = "") -> int:
        """Raise event ``name``; how many waits it ended."""
        data = dict(payload)
        woken = 0
        for waiter in list(self._waiters.get(name, [])):
            if not waiter.future.done() and matches(waiter.filter, data):
                waiter.future.set_result(data)
                woken += 1
        for listener in list(self._listeners):
            try:
                listener(name, data, source)
            except Exception:  # one listener's bug must not stop the others
                logger.exception("event listener failed on %s", name)
        return woken

    async def wait(
        self, name: str, filter_text: str | None, timeout: float | None
    ) -> dict[str, Any]:
        """The payload of the next event ``name`` passing ``filter_text``.

        Raises:
            TimeoutError: none came within ``timeout`` seconds.
        """
        waiter = _Waiter(name, filter_text, asyncio.get_running_loop().create_future())
        self._waiters.setdefault(name, []).append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter.future
        finally:
            waiters = self._waiters.get(name, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiters.pop(name, None)
