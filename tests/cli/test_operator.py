"""``baton operator`` against a live control plane whose spawner runs real server processes:
one-shot commands, the interactive prompt fed through standard input, exit statuses, and one
run of the installed ``baton`` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import Result

from baton.cli.exits import ExitCode
from baton.registry import tokens
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer
from tests.api.operated import (
    OPERATOR,
    OPERATOR_PASSWORD,
    one_running,
    operated_control_plane,
)
from tests.appserver.serverprocess import PATIENCE, pid_gone
from tests.cli.conftest import Cli, describe
from tests.cli.test_serve import _free_port
from tests.conftest import ADMIN_PASSWORD, Installation, sqlite_copy
from tests.spawner.children import nothing_left_behind  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("libuv_ready", "nothing_left_behind")


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the command talks to the API, whatever the registry's backend."""
    return sqlite_copy(tmp_path, sqlite_template)


@pytest.fixture
def live(installation: Installation, tmp_path: Path) -> Iterator[LiveServer]:
    with operated_control_plane(installation, tmp_path) as server:
        yield server


class Operator:
    """``baton operator --url URL --user USER --password-stdin ...`` in-process."""

    def __init__(self, cli: Cli, live: LiveServer) -> None:
        self.cli = cli
        self.live = live

    def __call__(
        self,
        *args: str,
        user: str = "admin",
        password: str = ADMIN_PASSWORD,
        lines: tuple[str, ...] = (),
    ) -> Result:
        stdin = "\n".join((password, *lines)) + "\n"
        return self.cli(
            "operator", "--url", self.live.url, "--user", user, "--password-stdin", *args,
            input=stdin,
        )  # fmt: skip


@pytest.fixture
def operator(cli: Cli, live: LiveServer) -> Operator:
    return Operator(cli, live)


def run(operator: Operator, *args: str, user: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    """Run and insist on exit status 0; the standard output."""
    result = operator(*args, user=user, password=password)
    assert result.exit_code == 0, describe(result)
    return result.stdout


def test_servers_and_definitions(operator: Operator, live: LiveServer) -> None:
    with live.admin() as client:
        server = one_running(client)

    servers = run(operator, "servers")
    only_tiny = run(operator, "servers", "tiny")
    definitions = run(operator, "definitions")

    assert "tiny-1" in servers and "RUNNING" in servers and str(server["pid"]) in servers
    assert str(server["address"]) in only_tiny
    assert "tiny" in definitions and "1 running" in definitions and "ok" in definitions
    assert "no other host's spawner has joined" in run(operator, "hosts")


def test_stop_kill_and_quiesce(operator: Operator, live: LiveServer) -> None:
    with live.admin() as client:
        first = one_running(client)
        stopped = run(operator, "stop", str(first["id"]))
        second = one_running(client, other_than=first["pid"])
        killed = run(operator, "kill", str(second["id"]))
        third = one_running(client, other_than=second["pid"])
        quiesced = run(operator, "quiesce", str(third["id"]))
        one_running(client, other_than=third["pid"])

    assert "server tiny-1 stopped (exit status -15)" in stopped
    assert f"server {second['id']} killed" in killed
    assert f"server {third['id']} quiesced" in quiesced
    assert pid_gone(int(str(first["pid"]))) and pid_gone(int(str(second["pid"])))


def test_definition_switches_refresh_and_trace(operator: Operator, live: LiveServer) -> None:
    with live.admin() as client:
        one_running(client)

    assert "definition tiny: paused (1 running)" in run(operator, "pause", "tiny")
    assert "definition tiny: ok" in run(operator, "resume", "tiny")
    assert "definition tiny: ok" in run(operator, "reset", "tiny")
    assert "definitions in effect: appserver, runner, tiny" in run(operator, "refresh")
    assert "trace on" in run(operator, "trace", "on")
    run(operator, "stop", "tiny-1")
    shown = run(operator, "trace", "show", "--lines", "1000")
    assert "tiny-1: stop asked by an operator" in shown
    assert "trace off" in run(operator, "trace", "off")


def test_session_commands(operator: Operator) -> None:
    taken = run(operator, "session", "take")
    shown = run(operator, "session", "show", user=OPERATOR, password=OPERATOR_PASSWORD)
    busy = operator("pause", "tiny", user=OPERATOR, password=OPERATOR_PASSWORD)
    released = run(operator, "session", "release")

    assert "you hold the operator session (as admin since " in taken
    assert "operator session held by admin since " in shown
    assert busy.exit_code == ExitCode.CONFLICT, describe(busy)
    assert "error: operator session held by admin since" in busy.stderr
    assert "operator session is free" in released


def test_exit_statuses(operator: Operator, cli: Cli, live: LiveServer, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("bt_not-a-real-token\n")
    missing = operator("stop", "tiny-99")
    plain = operator("servers", user=PLAIN_USER, password=PLAIN_PASSWORD)
    wrong = operator("servers", password="not-the-password")
    no_credentials = cli("operator", "--url", live.url, "servers")
    unreachable = cli(
        "operator", "--url", f"http://127.0.0.1:{_free_port()}", "--token-file", str(token_file),
        "servers",
    )  # fmt: skip
    both = operator("quiesce")

    assert missing.exit_code == ExitCode.NOT_FOUND, describe(missing)
    assert "server 'tiny-99' does not exist" in missing.stderr
    assert plain.exit_code == ExitCode.DENIED, describe(plain)
    assert "not allowed to operate" in plain.stderr
    assert wrong.exit_code == ExitCode.DENIED, describe(wrong)
    assert no_credentials.exit_code == ExitCode.DENIED, describe(no_credentials)
    assert "credentials required" in no_credentials.stderr
    assert unreachable.exit_code == ExitCode.CONFIG, describe(unreachable)
    assert "cannot reach the control plane" in unreachable.stderr
    assert both.exit_code == ExitCode.USAGE, describe(both)


def test_a_token_file_signs_in(cli: Cli, live: LiveServer, tmp_path: Path) -> None:
    with live.installation.database.session() as session:
        issued = tokens.create_token(session, "admin", "operator", days=1, max_days=1)
    token_file = tmp_path / "token"
    token_file.write_text(issued.token + "\n")

    result = cli("operator", "--url", live.url, "--token-file", str(token_file), "session", "show")

    assert result.exit_code == 0, describe(result)
    assert "operator session is free" in result.stdout


def test_the_prompt_holds_the_session_while_it_runs(operator: Operator, live: LiveServer) -> None:
    with live.admin() as client:
        server = one_running(client)
    lines = (
        "help",
        "# a comment, then an empty line",
        "",
        "session",
        "servers",
        "pause tiny",
        "resume tiny",
        f"stop {server['id']}",
        "no-such-command",
        "definitions",
        "quit",
        "servers",  # after quit: never read
    )

    result = operator(lines=lines)

    out = result.stdout
    assert result.exit_code == ExitCode.USAGE, describe(result)
    assert out.startswith("you hold the operator session (as admin since ")
    assert "trace on|off|show [N]" in out  # help
    assert out.count("you hold the operator session") == 2  # at the start, and `session`
    assert "definition tiny: paused" in out and f"server {server['id']} stopped" in out
    assert "not a command: 'no-such-command'" in result.stderr
    assert out.rstrip().endswith("operator session is free")
    assert out.count("tiny-1") == 2  # the servers table, the stop; not a second table
    assert len(live.audit("operator.session.take", "admin")) == 1
    assert len(live.audit("operator.session.release", "admin")) == 1


def test_the_prompt_reports_a_busy_session(operator: Operator) -> None:
    run(operator, "session", "take", user=OPERATOR, password=OPERATOR_PASSWORD)

    refused = operator(lines=("servers",))
    forced = operator("--force", lines=("session",))

    assert refused.exit_code == ExitCode.CONFLICT, describe(refused)
    assert f"error: operator session held by {OPERATOR} since" in refused.stderr
    assert forced.exit_code == 0, describe(forced)
    assert "you hold the operator session (as admin" in forced.stdout


def test_the_installed_command(live: LiveServer, tmp_path: Path) -> None:
    """The real ``baton`` executable: a one-shot command, then the prompt through a pipe."""
    baton = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"
    home = str(live.installation.settings.home)
    env = {**os.environ, "COLUMNS": "200"}
    common = [baton, "--home", home, "operator", "--url", live.url, "--user", "admin"]
    with live.admin() as client:
        one_running(client)

        listed = subprocess.run(
            [*common, "--password-stdin", "servers"],
            input=ADMIN_PASSWORD + "\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=PATIENCE * 3,
        )
        prompted = subprocess.run(
            [*common, "--password-stdin"],
            input=f"{ADMIN_PASSWORD}\ndefinitions\nsession show\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=PATIENCE * 3,
        )
        after = client.get("/api/operator/session").json()

    assert listed.returncode == 0, listed.stderr
    assert "tiny-1" in listed.stdout and "RUNNING" in listed.stdout
    assert prompted.returncode == 0, prompted.stderr
    assert "1 running" in prompted.stdout
    assert prompted.stdout.count("you hold the operator session") == 2
    assert after["holder"] is None  # released at the end of its input


def test_the_session_is_released_when_the_prompt_fails(operator: Operator) -> None:
    """A command that fails does not end the prompt; the session is released at the end."""
    result = operator(lines=("stop tiny-99", "kill"))

    assert result.exit_code == ExitCode.USAGE, describe(result)
    assert "server 'tiny-99' does not exist" in result.stderr
    assert "operator session is free" in result.stdout


def test_no_baton_serve_is_needed_to_ask_for_help(cli: Cli) -> None:
    result = cli("operator", "--help")
    assert result.exit_code == 0, describe(result)
    for command in ("servers", "stop", "kill", "quiesce", "pause", "resume", "refresh", "trace"):
        assert command in result.stdout
