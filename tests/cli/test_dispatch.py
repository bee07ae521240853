"""``baton run`` and ``baton services``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from baton.cli.exits import ExitCode
from tests.appserver.serverprocess import wait_for
from tests.cli.conftest import Cli, describe
from tests.cli.test_serve import _free_port
from tests.conftest import ADMIN_PASSWORD, Installation, sqlite_copy


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: these commands do the same on either registry backend."""
    return sqlite_copy(tmp_path, sqlite_template)


def test_run_prints_the_programs_output(cli: Cli) -> None:
    result = cli.ok("run", "sample.hello", "name=Ada")
    assert "<h1>Hello, Ada!</h1>" in result.stdout


def test_run_on_a_launch_service_with_headers(cli: Cli) -> None:
    result = cli.ok("run", "sample.add", "a=2", "b=3", "--service", "launch", "--headers")
    assert result.stdout.strip() == "5"
    assert "Content-Type: application/json" in result.stderr


def test_run_exit_statuses(cli: Cli) -> None:
    missing = cli("run", "sample.nope")
    bad = cli("run", "sample.add", "a=1", "b=x")
    unknown = cli("run", "sample.hello", "--service", "nowhere")
    malformed = cli("run", "sample.hello", "no-equals-sign")
    assert missing.exit_code == ExitCode.NOT_FOUND, describe(missing)
    assert bad.exit_code == ExitCode.INVALID_INPUT, describe(bad)
    assert "b: expected an integer" in bad.stderr
    assert unknown.exit_code == ExitCode.NOT_FOUND, describe(unknown)
    assert malformed.exit_code == ExitCode.USAGE, describe(malformed)


def test_services_without_a_control_plane(cli: Cli) -> None:
    result = cli.ok("services")
    assert "default" in result.stdout and "launch" in result.stdout
    assert "not running" in result.stdout


def test_services_of_a_running_control_plane(installation: Installation, tmp_path: Path) -> None:
    """A real `baton serve` and a real `baton` command: the pool shows up once it served."""
    port = _free_port()
    env = {
        **os.environ,
        "BATON_DATABASE_URL": installation.settings.registry_url,
        "BATON_SPAWNER__ALLOW_ROOT_SERVERS": "true",  # CI runs as root; see TEST_SPAWNER
    }
    home = str(installation.settings.home)
    log = tmp_path / "serve.log"
    baton = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [baton, "--home", home, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
        try:
            url = f"http://127.0.0.1:{port}/broker"

            def served() -> bool:
                try:
                    answer = httpx.get(
                        url,
                        params={"_PROGRAM": "sample.hello", "name": "CLI"},
                        auth=("admin", ADMIN_PASSWORD),
                        timeout=10,
                    )
                except httpx.TransportError:
                    return False
                return "Hello, CLI!" in answer.text

            wait_for(served, f"an answer from the broker\n{log.read_text()}", timeout=30)

            def listed() -> str | None:
                shown = subprocess.run(
                    [baton, "--home", home, "services", "--servers"],
                    env={**env, "COLUMNS": "200"},
                    capture_output=True,
                    text=True,
                    check=True,
                )
                return shown.stdout if "1 idle" in shown.stdout else None

            deadline = time.monotonic() + 10
            shown = listed()
            while shown is None and time.monotonic() < deadline:
                time.sleep(0.2)
                shown = listed()
            assert shown is not None
            assert "default#1" in shown and "0/4" in shown
        finally:
            process.terminate()
            process.wait(timeout=30)
