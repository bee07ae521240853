"""Async tests here run on asyncio through anyio's pytest plugin; no test may leak a descriptor."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

FDS = Path("/proc/self/fd")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def no_leaked_descriptors() -> Iterator[None]:
    """Every socket a test opens is closed by its end (Linux only: it counts /proc/self/fd)."""
    if not FDS.is_dir():  # pragma: no cover
        yield
        return
    before = set(os.listdir(FDS))
    yield
    leaked = set(os.listdir(FDS)) - before
    assert not leaked, f"file descriptors left open: {sorted(leaked)}"
