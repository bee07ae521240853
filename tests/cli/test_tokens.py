from __future__ import annotations

import re

from baton.cli.exits import ExitCode
from baton.registry import tokens
from tests.cli.conftest import Cli, describe
from tests.conftest import Installation

TOKEN = re.compile(r"token: (bt_\S+)")


def _create(cli: Cli, *extra: str) -> str:
    result = cli.ok("token", "create", "admin", "--name", "ci", *extra)
    found = TOKEN.search(result.stdout)
    assert found is not None, describe(result)
    assert "shown once" in result.stdout
    return found.group(1)


def test_create_prints_a_working_token_once(cli: Cli, installation: Installation) -> None:
    token = _create(cli)
    with installation.database.session() as session:
        checked = tokens.check_token(session, token)
        assert checked is not None
        assert checked[0].name == "admin"
    listing = cli.ok("token", "list").stdout
    assert token not in listing
    assert token[:10] in listing
    assert "active" in listing


def test_days_are_bounded_by_settings(cli: Cli) -> None:
    result = cli("token", "create", "admin", "--name", "ci", "--days", "100000")
    assert result.exit_code == ExitCode.INVALID_INPUT, describe(result)
    assert "days" in result.stderr
    short = cli("token", "create", "admin", "--name", "ci", "--days", "2")
    assert short.exit_code == 0, describe(short)


def test_revoke_stops_the_token(cli: Cli, installation: Installation) -> None:
    token = _create(cli)
    with installation.database.session() as session:
        checked = tokens.check_token(session, token)
        assert checked is not None
        token_id = checked[1]
    cli.ok("token", "revoke", str(token_id))
    with installation.database.session() as session:
        assert tokens.check_token(session, token) is None
    assert "revoked" in cli.ok("token", "list", "--user", "admin").stdout


def test_unknown_token_user_or_id(cli: Cli) -> None:
    assert cli("token", "revoke", "9999").exit_code == ExitCode.NOT_FOUND
    assert cli("token", "list", "--user", "zed").exit_code == ExitCode.NOT_FOUND
    missing = cli("token", "create", "zed", "--name", "ci")
    assert missing.exit_code == ExitCode.NOT_FOUND, describe(missing)
    assert cli("token", "revoke", "not-a-number").exit_code == ExitCode.USAGE
