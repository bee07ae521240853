from __future__ import annotations

from baton.cli.exits import ExitCode
from baton.registry import users
from baton.registry.enums import AuthSource
from tests.cli.conftest import Cli, describe
from tests.conftest import Installation

PASSWORD = "s3cret-enough"


def test_add_with_password_on_stdin(cli: Cli, installation: Installation) -> None:
    result = cli.ok(
        "user", "add", "bob", "--display-name", "Bob B", "--email", "b@example.org",
        "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert "created user bob" in result.stdout
    assert PASSWORD not in result.output
    with installation.database.session() as session:
        record = users.get_user(session, "bob")
        assert (record.display_name, record.email) == ("Bob B", "b@example.org")
        assert record.auth_source is AuthSource.LOCAL
        assert users.check_password(session, "bob", PASSWORD) is not None


def test_add_prompts_twice_without_echo(cli: Cli, installation: Installation) -> None:
    result = cli.ok("user", "add", "carol", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert PASSWORD not in result.output
    with installation.database.session() as session:
        assert users.check_password(session, "carol", PASSWORD) is not None


def test_add_prompt_mismatch_creates_nobody(cli: Cli, installation: Installation) -> None:
    result = cli("user", "add", "dave", input=f"{PASSWORD}\nsomething-else\n")
    assert result.exit_code != 0
    with installation.database.session() as session:
        assert users.find(session, "dave") is None


def test_add_host_user_has_no_password(cli: Cli, installation: Installation) -> None:
    cli.ok("user", "add", "erin", "--host-auth")
    with installation.database.session() as session:
        assert users.get_user(session, "erin").auth_source is AuthSource.HOST


def test_host_user_with_password_is_a_usage_error(cli: Cli, installation: Installation) -> None:
    result = cli("user", "add", "erin", "--host-auth", "--password-stdin", input="x\n")
    assert result.exit_code == ExitCode.USAGE, describe(result)
    with installation.database.session() as session:
        assert users.find(session, "erin") is None


def test_duplicate_user_exits_with_conflict(cli: Cli) -> None:
    result = cli("user", "add", "admin", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == ExitCode.CONFLICT, describe(result)
    assert "error: user 'admin' already exists" in result.stderr
    assert "Traceback" not in result.output


def test_bad_name_and_short_password_are_invalid_input(cli: Cli) -> None:
    bad_name = cli("user", "add", "9lives", "--password-stdin", input=PASSWORD + "\n")
    assert bad_name.exit_code == ExitCode.INVALID_INPUT, describe(bad_name)
    assert "not a valid name" in bad_name.stderr
    short = cli("user", "add", "frank", "--password-stdin", input="short\n")
    assert short.exit_code == ExitCode.INVALID_INPUT, describe(short)
    assert "password" in short.stderr


def test_list_shows_every_user(cli: Cli) -> None:
    cli.ok("user", "add", "bob", "--password-stdin", input=PASSWORD + "\n")
    result = cli.ok("user", "list")
    assert "admin" in result.stdout
    assert "bob" in result.stdout


def test_passwd_changes_the_password(cli: Cli, installation: Installation) -> None:
    cli.ok("user", "passwd", "admin", "--password-stdin", input="a-new-password\n")
    with installation.database.session() as session:
        assert users.check_password(session, "admin", "a-new-password") is not None
        assert users.check_password(session, "admin", installation.admin_password) is None


def test_disable_then_enable(cli: Cli, installation: Installation) -> None:
    cli.ok("user", "add", "bob", "--password-stdin", input=PASSWORD + "\n")
    cli.ok("user", "disable", "bob")
    with installation.database.session() as session:
        assert users.get_user(session, "bob").disabled
        assert users.check_password(session, "bob", PASSWORD) is None
    assert "disabled" in cli.ok("user", "list").stdout
    cli.ok("user", "enable", "bob")
    with installation.database.session() as session:
        assert not users.get_user(session, "bob").disabled


def test_delete(cli: Cli, installation: Installation) -> None:
    cli.ok("user", "add", "bob", "--password-stdin", input=PASSWORD + "\n")
    cli.ok("user", "delete", "bob")
    with installation.database.session() as session:
        assert users.find(session, "bob") is None


def test_unknown_user_exits_with_not_found(cli: Cli) -> None:
    for args in (("passwd", "zed", "--password-stdin"), ("disable", "zed"), ("delete", "zed")):
        result = cli("user", *args, input=PASSWORD + "\n")
        assert result.exit_code == ExitCode.NOT_FOUND, describe(result)
        assert "error: user 'zed' does not exist" in result.stderr
