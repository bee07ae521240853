from __future__ import annotations

from baton.cli.exits import ExitCode
from baton.registry import access, roles, users
from baton.registry.enums import Action, PrincipalKind, ResourceKind
from tests.cli.conftest import Cli, describe
from tests.conftest import Installation


def _add_bob(cli: Cli) -> None:
    cli.ok("user", "add", "bob", "--password-stdin", input="bobs-password\n")


def test_role_list_shows_builtins_and_holders(cli: Cli) -> None:
    listing = cli.ok("role", "list").stdout
    for name in ("admin", "operator", "designer", "analyst", "webuser"):
        assert name in listing
    assert "AUTHENTICATED" in listing  # webuser is given to every signed-in user by init


def test_assign_and_unassign_to_user_and_group(cli: Cli, installation: Installation) -> None:
    _add_bob(cli)
    cli.ok("group", "add", "ops")
    cli.ok("role", "assign", "operator", "--user", "bob")
    cli.ok("role", "assign", "operator", "--group", "ops")
    with installation.database.session() as session:
        role = roles.get_role(session, "operator")
        assert (role.users, role.groups) == (("bob",), ("ops",))
    cli.ok("role", "unassign", "operator", "--user", "bob")
    with installation.database.session() as session:
        assert roles.get_role(session, "operator").users == ()


def test_principal_must_be_exactly_one(cli: Cli) -> None:
    neither = cli("role", "assign", "operator")
    assert neither.exit_code == ExitCode.USAGE, describe(neither)
    both = cli("grant", "run", "program", "reports.monthly", "--user", "admin", "--group", "PUBLIC")
    assert both.exit_code == ExitCode.USAGE, describe(both)


def test_unknown_role_or_principal(cli: Cli) -> None:
    assert cli("role", "assign", "wizard", "--user", "admin").exit_code == ExitCode.NOT_FOUND
    assert cli("role", "assign", "operator", "--user", "zed").exit_code == ExitCode.NOT_FOUND
    unheld = cli("role", "unassign", "operator", "--user", "admin")
    assert unheld.exit_code == ExitCode.NOT_FOUND, describe(unheld)


def test_grant_and_revoke(cli: Cli, installation: Installation) -> None:
    _add_bob(cli)
    with installation.database.session() as session:
        bob = access.principal_for(session, users.load(session, "bob"), method="test")
        assert not access.is_allowed(
            session, bob, ResourceKind.PROGRAM, "reports.monthly", Action.RUN
        )
    cli.ok("grant", "run", "program", "reports.monthly", "--user", "bob")
    with installation.database.session() as session:
        bob = access.principal_for(session, users.load(session, "bob"), method="test")
        assert access.is_allowed(session, bob, ResourceKind.PROGRAM, "reports.monthly", Action.RUN)
        grants = access.list_permissions(
            session, principal_kind=PrincipalKind.USER, principal="bob"
        ).items
        assert [(g.action, g.resource_name) for g in grants] == [(Action.RUN, "reports.monthly")]
        assert grants[0].granted_by.startswith("cli")
    listing = cli.ok("permissions", "list", "--user", "bob").stdout
    assert "reports.monthly" in listing
    assert "AUTHENTICATED" not in listing
    cli.ok("revoke", "run", "program", "reports.monthly", "--user", "bob")
    with installation.database.session() as session:
        bob = access.principal_for(session, users.load(session, "bob"), method="test")
        assert not access.is_allowed(
            session, bob, ResourceKind.PROGRAM, "reports.monthly", Action.RUN
        )
        remaining = access.list_permissions(
            session, principal_kind=PrincipalKind.USER, principal="bob"
        )
        assert remaining.total == 0
    again = cli("revoke", "run", "program", "reports.monthly", "--user", "bob")
    assert again.exit_code == ExitCode.NOT_FOUND, describe(again)


def test_permissions_list_shows_init_grants(cli: Cli) -> None:
    listing = cli.ok("permissions", "list", "--kind", "library").stdout
    assert "AUTHENTICATED" in listing
    assert "sample" in listing


def test_bad_action_is_usage_and_bad_resource_is_invalid(cli: Cli) -> None:
    action = cli("grant", "fly", "program", "reports.monthly", "--group", "PUBLIC")
    assert action.exit_code == ExitCode.USAGE, describe(action)
    resource = cli("grant", "run", "program", "../etc/passwd", "--group", "PUBLIC")
    assert resource.exit_code == ExitCode.INVALID_INPUT, describe(resource)
