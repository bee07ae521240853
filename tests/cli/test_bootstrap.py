from __future__ import annotations

import os
import pwd
import re
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from baton.registry import users
from baton.registry.database import Database
from baton.registry.enums import Balancing, ServerKind
from baton.registry.records import ServerDefinitionRecord
from baton.settings import SpawnerSettings, load_settings
from baton.spawner.accounts import can_execute
from baton.spawner.catalog import plan_of, read_plans
from tests.cli.conftest import Cli, describe
from tests.osusers import need_root

PASSWORD_LINE = re.compile(r"admin password: (\S+) \(shown once; change it with `baton user passwd")


@pytest.fixture
def registry(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_init_twice_keeps_the_admin_and_shows_the_password_once(
    tmp_path: Path, database_url: str, registry: Database
) -> None:
    home = tmp_path / "home"
    cli = Cli(home=home, env={"BATON_DATABASE_URL": database_url})

    first = cli.ok("init")
    found = PASSWORD_LINE.search(first.stdout)
    assert found is not None, describe(first)
    password = found.group(1)
    assert str(home.resolve()) in first.stdout
    with registry.session() as session:
        assert users.check_password(session, "admin", password) is not None
        first_hash = users.load(session, "admin").password_hash
    key_ring = (home / "secret.key").read_bytes()

    second = cli.ok("init")
    assert "admin password" not in second.output
    assert password not in second.output
    assert "already initialised" in second.stdout
    with registry.session() as session:
        assert users.load(session, "admin").password_hash == first_hash
    assert (home / "secret.key").read_bytes() == key_ring

    quiet = cli.ok("init", "--if-needed")
    expected = f"Baton home {home.resolve()} is already initialised"
    assert quiet.stdout.strip().splitlines() == [expected]


def test_init_if_needed_on_a_new_home_initialises(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = Cli(home=home).ok("init", "--if-needed")
    assert PASSWORD_LINE.search(result.stdout) is not None, describe(result)
    assert (home / "registry.db").exists()
    assert (home / "baton.toml").exists()
    assert Cli(home=home).ok("user", "list").stdout.count("admin") >= 1


def test_init_with_a_configured_password_prints_none(
    tmp_path: Path, database_url: str, registry: Database
) -> None:
    env = {"BATON_DATABASE_URL": database_url, "BATON_ADMIN_PASSWORD": "chosen-password"}
    result = Cli(home=tmp_path / "home", env=env).ok("init")
    assert "chosen-password" not in result.output
    assert PASSWORD_LINE.search(result.stdout) is None
    with registry.session() as session:
        assert users.check_password(session, "admin", "chosen-password") is not None


def test_init_as_root_names_an_account_for_servers(tmp_path: Path, database_url: str) -> None:
    """``--server-account`` creates a system account, opens the home to it (search only) and
    sets it; the definitions without a credential then run as it (or say why they cannot)."""
    need_root("creating a server account")
    name = f"bs{secrets.token_hex(4)}"
    home = tmp_path / "home"
    cli = Cli(home=home, env={"BATON_DATABASE_URL": database_url})
    plain = cli.ok("init")
    assert "running as root" in plain.stdout and "--server-account" in plain.stdout
    try:
        result = cli.ok("init", "--if-needed", "--server-account", name)
        entry = pwd.getpwnam(name)
        assert entry.pw_uid != 0 and entry.pw_shell.endswith(("nologin", "false"))
        assert f"run as {name!r}" in result.stdout
        assert stat.S_IMODE(home.stat().st_mode) == 0o710
        assert home.stat().st_gid == entry.pw_gid
        for secret in ("secret.key", "session.key", "baton.toml"):
            assert stat.S_IMODE((home / secret).stat().st_mode) == 0o600
        settings = load_settings(home, environ={"BATON_DATABASE_URL": database_url})
        assert settings.spawner.server_account == name
        again = cli.ok("init", "--server-account", name)  # idempotent
        assert "running as root" not in again.stdout
        assert (home / "baton.toml").read_text().count("server_account =") == 1
        database = Database(database_url)
        try:
            (plan,) = [
                p
                for p in read_plans(database, settings.key_path, settings.spawner)
                if p.definition == "appserver"
            ]
        finally:
            database.dispose()
        assert plan.account is not None and plan.account.uid == entry.pw_uid
        if can_execute(plan.account, sys.executable):
            assert plan.problem == ""
        else:  # this interpreter sits in a folder closed to others (e.g. under /root)
            assert f"run as {name!r}, who cannot run {sys.executable}" in plan.problem
    finally:
        subprocess.run(["userdel", name], check=False)


def test_a_server_account_that_is_root_or_unknown_is_refused() -> None:
    settings = SpawnerSettings(server_account="root")
    now = datetime.now(UTC)
    record = ServerDefinitionRecord(
        id=1,
        name="plain",
        kind=ServerKind.APPLICATION,
        description="",
        command=("{python}", "-m", "baton.appserver"),
        working_dir="",
        environment={},
        credential=None,
        run_as_client=False,
        host=None,
        port_min=None,
        port_max=None,
        pool={},
        balancing=Balancing.LEAST_BUSY,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    if os.geteuid() != 0:
        pytest.skip("the server account applies to a spawner running as root")
    assert "may not run as root" in plan_of(record, {}, settings).problem
    unknown = SpawnerSettings(server_account="no-such-user-here")
    assert "no such OS user" in plan_of(record, {}, unknown).problem
    assert "set spawner.server_account" in plan_of(record, {}, SpawnerSettings()).problem
