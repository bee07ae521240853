"""Fixtures for the spawner tests: a program library, and no descriptor or child left behind."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.spawner.children import nothing_left_behind  # noqa: F401 (a fixture)

HELLO = """
    import os
    def main() -> dict[str, int]:
        return {"pid": os.getpid()}
"""


@pytest.fixture(autouse=True)
def _nothing_left_behind(request: pytest.FixtureRequest) -> None:
    """Every test closes what it opened and stops every process it started."""
    request.getfixturevalue(nothing_left_behind.__name__)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The ``t`` library: ``t.hello`` answers with its server's pid."""
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "hello.py").write_text(textwrap.dedent(HELLO))
    return folder
