"""The ``PROGRAMS=n`` limit: at most n programs run at once; more requests wait their turn."""

from __future__ import annotations

import asyncio


class Slots:
    """Counts the programs running and the requests served (loop side only).

    Args:
        capacity: how many programs may run at once.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a server runs at least one program at a time")
        self.capacity = capacity
        self._semaphore = asyncio.Semaphore(capacity)
        #: Programs holding a slot now (a stopped program holds it until it really ends).
        self.active = 0
        #: Requests answered since the server started.
        self.served = 0

    async def acquire(self) -> None:
        """Wait for a free slot (first come, first served) and take it."""
        await self._semaphore.acquire()
        self.active += 1

    def release(self) -> None:
        """Give back a slot taken by :meth:`acquire`."""
        self.active -= 1
        self._semaphore.release()
