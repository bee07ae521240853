"""Launch credentials: a server runs as its credential's OS user (checked against the host), and
what cannot be used is refused with a clear reason — with throwaway OS users (root only)."""

from __future__ import annotations

import asyncio
import os
import pwd
import secrets
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.errors import LaunchRefused, SpawnFailed
from baton.registry import credentials, definitions
from baton.registry.enums import ServerKind
from baton.registry.specs import PoolSettings, ServerDefinitionSpec
from baton.registry.vault import Vault
from baton.settings import SpawnerSettings
from baton.spawner import accounts
from baton.spawner.catalog import read_plans
from baton.spawner.states import ProcessState
from baton.spawner.supervisor import Supervisor, SupervisorConfig
from tests.conftest import Installation, sqlite_copy
from tests.osusers import need_root, throwaway_user
from tests.spawner.test_supervisor import TINY, until

pytestmark = pytest.mark.anyio


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the registry's backends are tested elsewhere."""
    return sqlite_copy(tmp_path, sqlite_template)


WHAT = "launch account tests"


@pytest.fixture
def os_account() -> Iterator[tuple[str, str]]:
    """A throwaway OS user with a password, in a throwaway supplementary group."""
    with throwaway_user(WHAT, with_group=True) as account:
        yield account


@pytest.fixture
def shared_tiny() -> Iterator[Path]:
    """The tiny server in a folder every user may read (pytest's own is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="baton-tiny-"))
    folder.chmod(0o755)
    script = folder / "tiny.py"
    script.write_text(textwrap.dedent(TINY))
    script.chmod(0o644)
    yield script
    shutil.rmtree(folder)


def system_python() -> str:
    """An interpreter other users may run (this venv's may sit in root's home)."""
    for candidate in ("/usr/bin/python3", "/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return sys.executable


def define(installation: Installation, script: Path, user: str, password: str) -> None:
    with (
        Vault.using(installation.settings.key_path) as vault,
        installation.database.session() as session,
    ):
        credentials.create_credential(session, vault, "launch", username=user, secret=password)
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name="tiny",
                kind=ServerKind.APPLICATION,
                command=[system_python(), "-S", str(script), "{port}"],
                credential="launch",
                pool=PoolSettings(start_size=1, max_servers=1, idle_timeout=0),
            ),
        )


def ids(pid: int) -> dict[str, list[int]]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid", "Groups"):
            fields[key] = [int(part) for part in value.split()]
    return fields


async def test_a_server_runs_as_its_launch_credentials_user(
    installation: Installation, os_account: tuple[str, str], shared_tiny: Path, tmp_path: Path
) -> None:
    user, password = os_account
    define(installation, shared_tiny, user, password)
    key = installation.settings.key_path
    plans = [
        p
        for p in read_plans(installation.database, key, SpawnerSettings())
        if p.definition == "tiny"
    ]
    [plan] = plans
    assert plan.problem == "" and plan.account is not None and plan.account.name == user
    supervisor = Supervisor(SupervisorConfig(state_file=tmp_path / "state.json", tick=0.02))
    await supervisor.open(plans)
    try:
        await until(
            lambda: [s.state for s in supervisor.servers()] == [ProcessState.RUNNING], "the server"
        )
        [server] = supervisor.servers()
        assert server.pid is not None
        entry = pwd.getpwnam(user)
        found = ids(server.pid)
        assert found["Uid"] == [entry.pw_uid] * 4  # real, effective, saved, filesystem
        assert found["Gid"][0] == entry.pw_gid
        assert set(found["Groups"]) == set(plan.account.groups)
        assert plan.account.groups  # the supplementary group came along
    finally:
        await supervisor.aclose()


async def test_a_wrong_launch_password_is_refused_with_a_clear_error(
    installation: Installation, os_account: tuple[str, str], shared_tiny: Path, tmp_path: Path
) -> None:
    user, password = os_account
    define(installation, shared_tiny, user, password + "x")
    key = installation.settings.key_path
    [plan] = [
        p
        for p in read_plans(installation.database, key, SpawnerSettings())
        if p.definition == "tiny"
    ]
    assert "refused the launch credential's password" in plan.problem
    assert plan.account is None
    supervisor = Supervisor(SupervisorConfig(state_file=tmp_path / "state.json", tick=0.02))
    await supervisor.open([plan])
    try:
        with pytest.raises(SpawnFailed, match="refused the launch credential's password"):
            await supervisor.acquire("tiny")
        await asyncio.sleep(0.1)
        assert supervisor.servers() == []  # nothing was started
    finally:
        await supervisor.aclose()


def test_root_and_unknown_users_are_refused() -> None:
    need_root(WHAT)
    with pytest.raises(LaunchRefused, match="may not run as root"):
        accounts.lookup("root")
    assert accounts.lookup("root", allow_root=True).uid == 0
    with pytest.raises(LaunchRefused, match="no such OS user"):
        accounts.lookup(f"nobody{secrets.token_hex(4)}")


def test_a_definition_without_a_credential_is_refused_when_the_spawner_is_root(
    installation: Installation, shared_tiny: Path
) -> None:
    need_root(WHAT)
    with installation.database.session() as session:
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name="bare", kind=ServerKind.APPLICATION, command=["{python}", str(shared_tiny)]
            ),
        )
    key = installation.settings.key_path
    plans = {p.definition: p for p in read_plans(installation.database, key, SpawnerSettings())}
    assert "no launch credential and the spawner runs as root" in plans["bare"].problem
    allowed = SpawnerSettings(allow_root_servers=True)
    plans = {p.definition: p for p in read_plans(installation.database, key, allowed)}
    assert plans["bare"].problem == ""


def test_the_account_switch_works_under_uvloop(
    os_account: tuple[str, str], shared_tiny: Path
) -> None:
    """``baton serve`` runs on uvloop, whose subprocesses refuse ``user=``/``group=``."""
    import uvloop

    from baton.spawner.base import LaunchSpec
    from baton.spawner.local import LocalSpawner

    user, _ = os_account
    account = accounts.lookup(user)
    spec = LaunchSpec(
        name="tiny",
        argv=(system_python(), "-S", str(shared_tiny), "0"),
        env={"PATH": os.defpath},
        account=account,
    )

    async def run() -> dict[str, list[int]]:
        spawner = LocalSpawner(spec)
        await spawner.start()
        try:
            assert spawner.pid is not None
            return ids(spawner.pid)
        finally:
            await spawner.stop(grace=2)

    found = uvloop.run(run())
    assert found["Uid"][0] == account.uid and found["Gid"][0] == account.gid
