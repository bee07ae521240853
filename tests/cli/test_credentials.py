from __future__ import annotations

import pytest

from baton.cli.exits import ExitCode
from baton.errors import NotFound
from baton.registry import credentials
from baton.registry.vault import Vault
from tests.cli.conftest import Cli, describe
from tests.conftest import Installation

SECRET = "hunter2-launch-secret"


def test_add_stores_the_secret_encrypted(cli: Cli, installation: Installation) -> None:
    added = cli.ok(
        "credential", "add", "runas", "--username", "svc_baton", "--secret-stdin",
        input=SECRET + "\n",
    )  # fmt: skip
    assert SECRET not in added.output
    vault = Vault.load(installation.settings.key_path)
    with installation.database.session() as session:
        assert credentials.reveal(session, vault, "runas") == ("svc_baton", SECRET)
    listing = cli.ok("credential", "list").stdout
    assert "runas" in listing
    assert "svc_baton" in listing
    assert SECRET not in listing


def test_add_prompts_for_the_secret(cli: Cli, installation: Installation) -> None:
    typed = f"{SECRET}\n{SECRET}\n"
    result = cli.ok("credential", "add", "runas", "--username", "svc", input=typed)
    assert SECRET not in result.output
    vault = Vault.load(installation.settings.key_path)
    with installation.database.session() as session:
        assert credentials.reveal(session, vault, "runas") == ("svc", SECRET)


def test_duplicate_and_empty_secret(cli: Cli) -> None:
    cli.ok("credential", "add", "runas", "--username", "svc", "--secret-stdin", input="x\n")
    twice = cli("credential", "add", "runas", "--username", "svc", "--secret-stdin", input="x\n")
    assert twice.exit_code == ExitCode.CONFLICT, describe(twice)
    empty = cli("credential", "add", "other", "--username", "svc", "--secret-stdin", input="\n")
    assert empty.exit_code == ExitCode.INVALID_INPUT, describe(empty)


def test_delete(cli: Cli, installation: Installation) -> None:
    cli.ok("credential", "add", "runas", "--username", "svc", "--secret-stdin", input="x\n")
    cli.ok("credential", "delete", "runas")
    with installation.database.session() as session, pytest.raises(NotFound):
        credentials.get_credential(session, "runas")
    assert cli("credential", "delete", "runas").exit_code == ExitCode.NOT_FOUND


def test_missing_key_ring_is_a_secret_error(cli: Cli, installation: Installation) -> None:
    installation.settings.key_path.unlink()
    result = cli("credential", "add", "runas", "--username", "svc", "--secret-stdin", input="x\n")
    assert result.exit_code == ExitCode.SECRET, describe(result)
    assert "key ring" in result.stderr
