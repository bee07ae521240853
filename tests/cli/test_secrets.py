from __future__ import annotations

import json

from baton.cli.exits import ExitCode
from baton.registry import credentials
from baton.registry.vault import Vault
from baton.settings import SecretAlgorithm
from tests.cli.conftest import Cli, describe
from tests.conftest import Installation

SECRETS = {"alpha": "first-secret", "beta": "second-secret"}


def test_rotate_reencrypts_every_credential(cli: Cli, installation: Installation) -> None:
    for name, secret in SECRETS.items():
        cli.ok("credential", "add", name, "--username", "svc", "--secret-stdin", input=secret)
    old_key = Vault.load(installation.settings.key_path).active

    result = cli.ok("secrets", "rotate", "--algorithm", "chacha20-poly1305")
    assert "re-encrypted 2 credential(s)" in result.stdout

    ring = json.loads(installation.settings.key_path.read_text())
    assert old_key not in ring["keys"]
    assert list(ring["keys"]) == [ring["active"]]
    assert ring["keys"][ring["active"]]["algorithm"] == "chacha20-poly1305"
    assert installation.settings.key_path.stat().st_mode & 0o777 == 0o600
    vault = Vault.load(installation.settings.key_path)
    with installation.database.session() as session:
        for name, secret in SECRETS.items():
            assert credentials.reveal(session, vault, name) == ("svc", secret)
            record = credentials.get_credential(session, name)
            assert record.key_id == ring["active"] != old_key
            assert record.algorithm == SecretAlgorithm.CHACHA20_POLY1305


def test_rotate_with_no_credentials_still_replaces_the_key(
    cli: Cli, installation: Installation
) -> None:
    old_key = Vault.load(installation.settings.key_path).active
    assert "re-encrypted 0 credential(s)" in cli.ok("secrets", "rotate").stdout
    vault = Vault.load(installation.settings.key_path)
    assert vault.key_ids == (vault.active,)
    assert vault.active != old_key
    assert vault.algorithm == SecretAlgorithm.AES_256_GCM


def test_unknown_algorithm_is_a_usage_error(cli: Cli) -> None:
    result = cli("secrets", "rotate", "--algorithm", "rot13")
    assert result.exit_code == ExitCode.USAGE, describe(result)


def test_world_readable_key_ring_is_refused(cli: Cli, installation: Installation) -> None:
    installation.settings.key_path.chmod(0o644)
    result = cli("secrets", "rotate")
    assert result.exit_code == ExitCode.SECRET, describe(result)
    assert "must be 600" in result.stderr
