"""Watching program library folders for new files (file triggers).

What a folder holds is always read from the folder itself (:func:`matching`); the watch only
says when to read it again. With ``watchfiles`` importable (it comes with ``uvicorn[standard]``)
the operating system's notifications wake the reader within about 50 ms of a change, and a
rescan every ``rescan`` seconds catches what notifications miss (network file systems);
without it, the folders are read every ``poll`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Collection
from pathlib import Path

from baton.registry.triggers import matches

try:
    import watchfiles
except ImportError:  # pragma: no cover - installed with uvicorn[standard]
    watchfiles = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

#: Milliseconds without a change before a batch of changes is reported.
STEP_MS = 50


def matching(folder: Path, pattern: str) -> list[str] | None:
    """The names of the regular files in ``folder`` that match ``pattern``, sorted (see
    :func:`~baton.registry.triggers.matches`); None when the folder cannot be read."""
    try:
        entries = [entry for entry in folder.iterdir() if matches(entry.name, pattern)]
        return sorted(entry.name for entry in entries if entry.is_file())
    except OSError:
        return None


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


async def changes(
    folders: Collection[Path], stop: asyncio.Event, *, poll: float, rescan: float
) -> AsyncGenerator[None, None]:
    """Yields each time ``folders`` should be read again, until ``stop`` is set."""
    if watchfiles is not None and folders:
        try:
            watch = watchfiles.awatch(
                *folders,
                watch_filter=None,
                step=STEP_MS,
                stop_event=stop,
                rust_timeout=int(rescan * 1000),
                yield_on_timeout=True,
                recursive=False,
                ignore_permission_denied=True,
            )
            async with contextlib.aclosing(watch) as batches:
                async for _ in batches:
                    yield
            return
        except Exception as exc:  # a folder went away; read the folders again, then poll
            logger.warning("file triggers: watching %s failed (%s); polling", folders, exc)
    while not stop.is_set():
        await _sleep(stop, poll)
        if not stop.is_set():
            yield
