"""``baton serve``: refuses a bad start, and really serves when the home is sound."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from baton.cli.exits import ExitCode
from tests.cli.conftest import Cli, describe
from tests.conftest import Installation


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def first_answer(
    get: Callable[[str], httpx.Response], url: str, process: subprocess.Popen[bytes], log: Path
) -> httpx.Response:
    """The first answer of a starting ``baton serve`` at ``url`` (tried for up to 30 s, while
    the process lives); fails with its log when there is none."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return get(url)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"no answer at {url}:\n{log.read_text()}")


def test_out_of_date_schema_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = Cli(home=home)("serve", "--port", str(_free_port()))
    assert result.exit_code == ExitCode.SCHEMA_OUT_OF_DATE, describe(result)
    assert "run `baton db upgrade`" in result.stderr


def test_invalid_port_flag_is_a_config_error(cli: Cli) -> None:
    result = cli("serve", "--port", "70000")
    assert result.exit_code == ExitCode.CONFIG, describe(result)
    assert "port" in result.stderr


def test_serves_health_on_the_flagged_port(installation: Installation, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "BATON_DATABASE_URL": installation.settings.registry_url}
    args = ["--home", str(installation.settings.home), "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "baton", *args], env=env, stdout=sink, stderr=sink
        )
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            answer = first_answer(lambda url: httpx.get(url, timeout=2), url, process, log)
            assert answer.status_code == 200, answer.text
            assert answer.json()["database"] == "ok"
        finally:
            process.terminate()
            process.wait(timeout=15)
