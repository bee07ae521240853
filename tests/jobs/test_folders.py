"""Watching folders for file triggers: what matches, and when a folder is read again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from pathlib import Path

import pytest

from baton.jobs import folders


def test_matching_lists_regular_files_that_match_without_hidden_ones(tmp_path: Path) -> None:
    for name in ("b.csv", "a.csv", ".part.csv", "notes.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "dir.csv").mkdir()
    assert folders.matching(tmp_path, "*.csv") == ["a.csv", "b.csv"]
    assert folders.matching(tmp_path, ".*.csv") == [".part.csv"]
    assert folders.matching(tmp_path / "missing", "*") is None


async def _first(changes: AsyncGenerator[None, None], seconds: float) -> None:
    """Wait for the first time ``changes`` yields (or ends), then close it."""
    async with contextlib.aclosing(changes), asyncio.timeout(seconds):
        async for _ in changes:
            return


@pytest.mark.anyio
async def test_a_new_file_wakes_the_watch_at_once(tmp_path: Path) -> None:
    stop = asyncio.Event()
    waiting = asyncio.create_task(_first(folders.changes([tmp_path], stop, poll=60, rescan=60), 10))
    count = 0
    while not waiting.done():  # until the watch (being set up) sees one: long before 60 s
        (tmp_path / f"new-{count}.csv").write_text("x")
        count += 1
        await asyncio.wait([waiting], timeout=0.1)
    await waiting
    stop.set()


@pytest.mark.anyio
async def test_without_watchfiles_folders_are_polled_until_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folders, "watchfiles", None)
    stop = asyncio.Event()
    ticks = 0
    async for _ in folders.changes([tmp_path], stop, poll=0.01, rescan=60):
        ticks += 1
        if ticks == 3:
            stop.set()
    assert ticks == 3


@pytest.mark.anyio
async def test_a_stopped_watch_ends(tmp_path: Path) -> None:
    stop = asyncio.Event()
    stop.set()
    await _first(folders.changes([tmp_path], stop, poll=60, rescan=60), 5)  # not after 60 s
