from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.registry import users
from baton.registry.database import Database
from tests.cli.conftest import Cli, describe

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
