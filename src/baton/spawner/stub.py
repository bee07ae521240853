"""``StubSpawner``: an in-memory spawner, the test double of the interface.

It starts nothing: ``start()`` returns the address it was given (a server the test runs, or
one that does not exist), and the test decides when the "process" ends (:meth:`exit`) or
whether starting fails (``fail``).
"""

from __future__ import annotations

import asyncio

from baton.errors import SpawnError
from baton.spawner.base import Spawner, SpawnerState


class StubSpawner(Spawner):
    """A pretend process.

    Args:
        address: what ``start()`` returns.
        fail: raised by ``start()`` instead, when set.
        delay: seconds ``start()`` takes.
    """

    def __init__(self, address: str, *, fail: SpawnError | None = None, delay: float = 0) -> None:
        self.address = address
        self._fail = fail
        self._delay = delay
        self._status: int | None = None
        self.started = False
        self.stops = 0

    async def start(self) -> str:
        if self.started:
            raise RuntimeError("a spawner starts its server once")
        self.started = True
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._fail is not None:
            self._status = 1
            raise self._fail
        self.pid = 0
        return self.address

    def exit(self, status: int) -> None:
        """Make the pretend process end with ``status``."""
        if self._status is None:
            self._status = status

    def poll(self) -> int | None:
        if not self.started:
            return None
        return self._status

    async def stop(self, grace: float = 10.0) -> int | None:
        self.stops += 1
        if self._status is None:
            self._status = 0 if self.started else None
        return self._status

    def get_state(self) -> SpawnerState:
        return {"pid": self.pid, "address": self.address, "status": self._status}

    def load_state(self, state: SpawnerState) -> None:
        pid, address, status = state.get("pid"), state.get("address"), state.get("status")
        self.pid = pid if isinstance(pid, int) else None
        self.address = address if isinstance(address, str) else self.address
        self._status = status if isinstance(status, int) else None
        self.started = True
