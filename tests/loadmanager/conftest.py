"""Fixtures for the load manager tests: a program library, a server recipe, and checks that
nothing (descriptor, process) is left behind."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from baton.loadmanager.factory import ServerRecipe
from tests.appserver.serverprocess import PATIENCE
from tests.spawner.children import nothing_left_behind  # noqa: F401 (a fixture)

PROGRAMS = {
    "pid": """
        import os
        def main() -> dict[str, int]:
            return {"pid": os.getpid()}
    """,
    # Creates a session that lives ``create`` seconds after its last request.
    "session": """
        from baton import program
        if "create" in program.params:
            program.session.create(float(program.params["create"]))
        program.webout.write(program.session.id or "none")
    """,
}


@pytest.fixture(autouse=True)
def _nothing_left_behind(request: pytest.FixtureRequest) -> None:
    """Every test closes what it opened and stops every process it started."""
    request.getfixturevalue(nothing_left_behind.__name__)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The ``t`` library: the programs above."""
    folder = tmp_path / "library"
    folder.mkdir()
    for name, source in PROGRAMS.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


@pytest.fixture
def recipe(library: Path, tmp_path: Path) -> ServerRecipe:
    """Servers of the service ``svc``: one program at a time, the ``t`` library."""
    return ServerRecipe(
        service="svc",
        libraries={"t": library},
        programs=1,
        timeout=PATIENCE,
        start_timeout=PATIENCE,
        run_dir=tmp_path / "run",
    )
