"""Async tests here run on asyncio through anyio's pytest plugin; no test may leak a descriptor."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _descriptors_closed(no_leaked_descriptors: None) -> None:
    """Every test here closes every socket and pipe it opens."""
