"""``Workspaces`` itself: what the API cannot time, with real kernels (the API's tests are in
tests/api/test_workspaces.py): closing while a kernel starts, and the per-user limit under
concurrent starts; and which definition a spawner of each host chooses."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from baton.errors import Conflict, SpawnFailed
from baton.registry import access, definitions, hosts, users
from baton.registry.access import Principal
from baton.registry.enums import ServerKind
from baton.registry.specs import PoolSettings, ServerDefinitionSpec
from baton.settings import Settings
from baton.spawner.states import ProcessState
from baton.spawner.workspace_plan import choose_definition
from baton.spawner.workspaces import Workspaces
from tests.appserver.serverprocess import pid_gone, wait_for_async
from tests.conftest import Installation, sqlite_copy

pytestmark = pytest.mark.anyio


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: this is about processes."""
    return sqlite_copy(tmp_path, sqlite_template)


@pytest.fixture
def settings(installation: Installation) -> Settings:
    """As root (CI), kernels of a definition without an account run as root: allowed here."""
    spawner = installation.settings.spawner.model_copy(
        update={"allow_root_servers": os.geteuid() == 0, "tick_seconds": 0.05}
    )
    return installation.settings.model_copy(update={"spawner": spawner})


@pytest.fixture
def admin(installation: Installation, tmp_path: Path) -> Principal:
    """The administrator, who may run any definition: ``ws`` (two kernels per user) and
    ``single`` (one)."""
    with installation.database.session() as session:
        for name, most in (("ws", 2), ("single", 1)):
            definitions.create_definition(
                session,
                ServerDefinitionSpec(
                    name=name,
                    kind=ServerKind.WORKSPACE,
                    command=["{python}", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    environment={"IPYTHONDIR": str(tmp_path / "ipython")},
                    pool=PoolSettings(max_servers=most),
                ),
            )
        return access.principal_for(session, users.load(session, "admin"), method="basic")


async def test_closing_stops_the_kernels_and_those_still_starting(
    settings: Settings, installation: Installation, admin: Principal
) -> None:
    workspaces = Workspaces(settings, installation.database)
    await workspaces.open()
    try:
        running = await workspaces.start(admin, definition="ws")
        assert running.state is ProcessState.RUNNING and running.pid is not None
        starting = asyncio.ensure_future(workspaces.start(admin, definition="ws"))

        async def second_starting() -> bool:
            states = [record.state for record in await workspaces.list(admin)]
            return ProcessState.STARTING in states

        await wait_for_async(second_starting, "the second kernel to be starting")
    finally:
        await workspaces.aclose()
    with pytest.raises(SpawnFailed, match="closed while it started"):
        await starting
    assert pid_gone(running.pid)
    assert await workspaces.list(admin) == []


async def test_the_per_user_limit_holds_for_concurrent_starts(
    settings: Settings, installation: Installation, admin: Principal
) -> None:
    workspaces = Workspaces(settings, installation.database)
    await workspaces.open()
    try:
        results = await asyncio.gather(
            workspaces.start(admin, definition="single"),
            workspaces.start(admin, definition="single"),
            return_exceptions=True,
        )
        refused = [result for result in results if isinstance(result, Conflict)]
        assert len(refused) == 1 and "max_servers" in refused[0].detail
        assert len(await workspaces.list(admin)) == 1
    finally:
        await workspaces.aclose()


async def test_a_spawner_chooses_among_the_definitions_that_list_its_host(
    installation: Installation, admin: Principal
) -> None:
    database = installation.database
    with database.session() as session:
        for name in ("node1", "node2", "node3"):
            hosts.create_host(session, name)
        for name, listed in (("away", ["node2", "node1"]), ("third", ["node3"])):
            definitions.create_definition(
                session,
                ServerDefinitionSpec(
                    name=name,
                    kind=ServerKind.WORKSPACE,
                    command=["{python}", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    hosts=listed,
                ),
            )
    for host in ("node1", "node2"):
        assert choose_definition(database, admin, "away", host=host).name == "away"
        assert choose_definition(database, admin, None, host=host).name == "away"
    # "single" and "ws" list no host: the control plane's own.
    assert choose_definition(database, admin, None, host=None).name == "single"
    with pytest.raises(Conflict, match="runs on hosts 'node2', 'node1', not here"):
        choose_definition(database, admin, "away", host=None)
    with pytest.raises(Conflict, match="runs on host 'node3', not here"):
        choose_definition(database, admin, "third", host="node1")
    with pytest.raises(Conflict, match="runs on the control plane, not here"):
        choose_definition(database, admin, "ws", host="node1")
