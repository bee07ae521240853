from __future__ import annotations

import pytest

from baton.cli.exits import ExitCode
from baton.errors import NotFound
from baton.registry import groups
from tests.cli.conftest import Cli, describe
from tests.conftest import Installation


def test_add_list_and_members(cli: Cli, installation: Installation) -> None:
    cli.ok("group", "add", "ops", "--description", "Operators")
    cli.ok("group", "add-member", "ops", "admin")
    with installation.database.session() as session:
        group = groups.get_group(session, "ops")
        assert (group.description, group.members) == ("Operators", ("admin",))
    listing = cli.ok("group", "list").stdout
    assert "ops" in listing
    assert "PUBLIC" in listing
    cli.ok("group", "remove-member", "ops", "admin")
    with installation.database.session() as session:
        assert groups.get_group(session, "ops").members == ()


def test_delete(cli: Cli, installation: Installation) -> None:
    cli.ok("group", "add", "ops")
    cli.ok("group", "delete", "ops")
    with installation.database.session() as session, pytest.raises(NotFound):
        groups.get_group(session, "ops")


def test_duplicate_group_is_a_conflict(cli: Cli) -> None:
    cli.ok("group", "add", "ops")
    result = cli("group", "add", "ops")
    assert result.exit_code == ExitCode.CONFLICT, describe(result)


def test_builtin_group_cannot_be_deleted_or_joined(cli: Cli) -> None:
    deleted = cli("group", "delete", "PUBLIC")
    assert deleted.exit_code == ExitCode.CONFLICT, describe(deleted)
    assert "built in" in deleted.stderr
    joined = cli("group", "add-member", "AUTHENTICATED", "admin")
    assert joined.exit_code == ExitCode.CONFLICT, describe(joined)


def test_unknown_group_or_member(cli: Cli) -> None:
    assert cli("group", "delete", "nope").exit_code == ExitCode.NOT_FOUND
    cli.ok("group", "add", "ops")
    assert cli("group", "add-member", "ops", "nobody").exit_code == ExitCode.NOT_FOUND
    not_member = cli("group", "remove-member", "ops", "admin")
    assert not_member.exit_code == ExitCode.NOT_FOUND, describe(not_member)
