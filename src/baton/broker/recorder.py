"""Writing the record of broker requests in batches, off the request path.

The broker hands each finished request to :meth:`RequestRecorder.record` (no waiting); a
background task writes what has gathered every :data:`FLUSH_INTERVAL` seconds in one
transaction, on a worker thread. Closing flushes what is left, so a clean shutdown loses none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio.to_thread

from baton.registry.database import Database
from baton.registry.requests import RequestOutcome, record_requests

logger = logging.getLogger(__name__)

#: Seconds between two writes.
FLUSH_INTERVAL = 0.25


class RequestRecorder:
    """Batches request records into the registry.

    Args:
        database: the registry.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: list[RequestOutcome] = []
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        """Start the background writer (on the running loop)."""
        self._task = asyncio.create_task(self._run())

    def record(self, outcome: RequestOutcome) -> None:
        """Queue one finished request."""
        self._pending.append(outcome)

    async def flush(self) -> None:
        """Write what is queued now."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await anyio.to_thread.run_sync(self._write, batch)
        except Exception:
            logger.exception("could not record %d broker requests", len(batch))

    def _write(self, batch: list[RequestOutcome]) -> None:
        with self._database.session() as session:
            record_requests(session, batch)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            await self.flush()

    async def aclose(self) -> None:
        """Stop the writer and write what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
