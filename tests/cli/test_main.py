"""The installed ``baton`` command, run as a real process, and the root options."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from baton import __version__
from baton.cli.exits import ExitCode
from baton.cli.main import app
from tests.cli.conftest import Cli, describe


def _baton_executable() -> str:
    beside = Path(sys.executable).parent / "baton"
    if beside.exists():
        return str(beside)
    found = shutil.which("baton")
    assert found is not None, "the baton console script is not installed"
    return found


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_baton_executable(), *args],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_installed_command_inits_and_lists_users(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init = _run("--home", str(home), "init", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "admin password:" in init.stdout

    listing = _run("--home", str(home), "user", "list", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "admin" in listing.stdout
    assert "Administrator" in listing.stdout

    missing = _run("--home", str(home), "user", "delete", "zed", cwd=tmp_path)
    assert missing.returncode == ExitCode.NOT_FOUND
    assert missing.stderr.strip() == "error: user 'zed' does not exist"


def test_python_dash_m_baton_is_the_same_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "baton", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"baton {__version__}"


def test_version_needs_no_home(tmp_path: Path) -> None:
    result = Cli(home=tmp_path / "nowhere").ok("--version")
    assert result.stdout.strip() == f"baton {__version__}"


def test_commands_on_a_missing_home_say_to_init(tmp_path: Path) -> None:
    result = Cli(home=tmp_path / "nowhere")("user", "list")
    assert result.exit_code == ExitCode.CONFIG, describe(result)
    assert "run `baton init` first" in result.stderr


def test_home_defaults_to_baton_home_variable(tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    Cli(home=home).ok("init")
    result = CliRunner().invoke(app, ["user", "list"], env={"BATON_HOME": str(home)})
    assert result.exit_code == 0, describe(result)
    assert "admin" in result.stdout
