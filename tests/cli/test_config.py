from __future__ import annotations

from pathlib import Path

import pytest

from baton.cli.exits import ExitCode
from tests.cli.conftest import Cli, describe


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def test_show_lists_effective_values_with_secrets_masked(home: Path) -> None:
    (home / "baton.toml").write_text("port = 9123\n[auth]\ntoken_max_days = 30\n")
    cli = Cli(home=home, env={"BATON_DATABASE_URL": "postgresql://baton:hunter2@db.example/b"})
    result = cli.ok("config", "show")
    assert "9123" in result.stdout
    assert "auth.token_max_days" in result.stdout
    assert "hunter2" not in result.stdout
    assert "baton:***@db.example" in result.stdout


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("prot = 8080\n", "prot"),
        ("[auth]\nsesion_max_age = 60\n", "auth.sesion_max_age"),
        ('port = "high"\n', "port"),
    ],
)
def test_bad_config_file_names_the_key(home: Path, toml: str, key: str) -> None:
    (home / "baton.toml").write_text(toml)
    result = Cli(home=home)("config", "show")
    assert result.exit_code == ExitCode.CONFIG, describe(result)
    assert result.stderr.startswith("error: ")
    assert f"setting {key}:" in result.stderr


def test_unknown_environment_variable_names_the_key(home: Path) -> None:
    result = Cli(home=home, env={"BATON_AUTH__PAM_ENABLE": "true"})("config", "show")
    assert result.exit_code == ExitCode.CONFIG, describe(result)
    assert "BATON_AUTH__PAM_ENABLE" in result.stderr
