"""Fixtures for the load manager tests: a program library, a server recipe, a registry with
the ``svc`` service and a load manager on it, and checks that nothing (descriptor, process) is
left behind."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from baton.loadmanager.factory import DEFAULT_COMMAND, ServerRecipe
from baton.loadmanager.manager import LoadManager
from baton.registry import definitions, libraries, services
from baton.registry.database import Database
from baton.registry.enums import ServerKind
from baton.registry.specs import ServerDefinitionSpec
from tests.appserver.serverprocess import PATIENCE
from tests.loadmanager.servers import service, settings_for
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


@pytest.fixture
def registry(database: Database, library: Path) -> Database:
    """The registry with the ``t`` library, the ``appserver`` definition and the ``svc`` service
    (one server)."""
    with database.session() as session:
        libraries.create_library(session, "t", str(library))
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name="appserver", kind=ServerKind.APPLICATION, command=list(DEFAULT_COMMAND)
            ),
        )
        services.create_service(session, service())
    return database


@pytest.fixture
async def manager(registry: Database, tmp_path: Path) -> AsyncIterator[LoadManager]:
    """A load manager that reads the registry at every call."""
    loads = LoadManager(settings_for(tmp_path, refresh_seconds=0), registry)
    try:
        yield loads
    finally:
        await loads.aclose()
