"""The child processes of the test process: what a test must not leave running."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.appserver.serverprocess import PATIENCE


def live_children() -> set[int]:
    """The processes whose parent is this one and that still run (zombies are not counted)."""
    me = str(os.getpid())
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def assert_no_new_children(before: set[int], timeout: float = PATIENCE) -> None:
    """Fail unless every child started since ``before`` was taken ends within ``timeout`` s."""
    limit = time.monotonic() + timeout
    while left := live_children() - before:
        if time.monotonic() > limit:
            raise AssertionError(f"child processes left running: {sorted(left)}")
        time.sleep(0.01)


@pytest.fixture
def nothing_left_behind(no_leaked_descriptors: None) -> Iterator[None]:
    """The test closes what it opened and stops every process it started."""
    before = live_children()
    yield
    assert_no_new_children(before)
