from __future__ import annotations

import socket
from pathlib import Path

from baton.cli.exits import ExitCode
from baton.registry.database import Database
from tests.cli.conftest import Cli, describe


def test_status_of_a_current_registry(cli: Cli) -> None:
    result = cli.ok("db", "status")
    assert "up to date" in result.stdout


def test_empty_registry_is_refused_until_upgraded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    cli = Cli(home=home)

    status = cli("db", "status")
    assert status.exit_code == ExitCode.SCHEMA_OUT_OF_DATE, describe(status)
    assert "current revision: none" in status.stdout
    assert "`baton db upgrade`" in status.stderr
    listing = cli("user", "list")
    assert listing.exit_code == ExitCode.SCHEMA_OUT_OF_DATE, describe(listing)
    assert "`baton db upgrade`" in listing.stderr

    upgraded = cli.ok("db", "upgrade")
    database = Database(f"sqlite:///{home / 'registry.db'}")
    try:
        head = database.head_revision()
        assert database.current_revision() == head
    finally:
        database.dispose()
    assert f"none -> {head}" in upgraded.stdout
    assert "up to date" in cli.ok("db", "status").stdout
    assert f"already at revision {head}" in cli.ok("db", "upgrade").stdout


def test_missing_home_is_a_config_error(tmp_path: Path) -> None:
    result = Cli(home=tmp_path / "nowhere")("db", "upgrade")
    assert result.exit_code == ExitCode.CONFIG, describe(result)
    assert "baton init" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_unreachable_database_is_a_config_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://baton:pw@127.0.0.1:{port}/baton"
    for args in (("db", "status"), ("user", "list")):
        result = Cli(home=home, env={"BATON_DATABASE_URL": url})(*args)
        assert result.exit_code == ExitCode.CONFIG, describe(result)
        assert "cannot reach the registry database" in result.stderr
        assert "Traceback" not in result.output
