"""``baton job run``, ``runs``, ``run-status``, ``run-log``, ``run-cancel`` against a live control
plane whose runners are real processes: waiting with plain lines and with the live table, exit
statuses by the run's state, input errors, filters, the followed log, cancelling, and Ctrl-C on
the installed ``baton`` command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import Result

from baton.cli.exits import ExitCode
from baton.cli.runs import RunExit
from baton.registry import tokens
from tests.cli.conftest import WIDTH, Cli, describe
from tests.conftest import sqlite_copy
from tests.runtime.conftest import Runtime, runtime  # noqa: F401 (a fixture)
from tests.spawner.children import nothing_left_behind  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("libuv_ready", "nothing_left_behind")

ADDER = {
    "name": "adder",
    "inputs": {"n": {"type": "integer", "required": True}},
    "nodes": [
        {"id": "add", "kind": "program", "program": "sample.add", "bindings": {"a": 2, "b": 3}},
        # long enough for the progress display, which polls, to see the run RUNNING
        {"id": "say", "kind": "command", "argv": ["sh", "-c", "sleep 0.8; echo n={{ inputs.n }}"]},
    ],
    "edges": [{"from": "add", "to": "say"}],
    "outputs": {
        "sum": {"type": "integer", "value": "nodes.add.result"},
        "doubled": {"type": "integer", "value": "inputs.n * 2"},
    },
}
FAILING = {"name": "failing", "nodes": [{"id": "boom", "kind": "command", "argv": ["false"]}]}
TALKER = {
    "name": "talker",
    "nodes": [
        {"id": "talk", "kind": "command", "argv": ["sh", "-c", "echo one; sleep 1; echo two"]},
        {"id": "pause", "kind": "wait", "timer": {"seconds": 1}, "timeout": 10},
        {"id": "done", "kind": "command", "argv": ["true"]},
    ],
    "edges": [{"from": "talk", "to": "pause"}, {"from": "pause", "to": "done"}],
}
DRAFT = {"name": "draft", "nodes": [{"id": "x", "kind": "program", "program": "sample.nope"}]}
SLEEPER = {"name": "sleeper", "nodes": [{"id": "nap", "kind": "command", "argv": ["sleep", "30"]}]}


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the commands talk to the API, whatever the registry's backend."""
    return sqlite_copy(tmp_path, sqlite_template)


@dataclass
class Runs:
    """The run commands, signed in as the admin with an API token, against the live server."""

    cli: Cli
    runtime: Runtime
    token_file: Path

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        remote = ("--url", self.runtime.url, "--token-file", str(self.token_file))
        return self.cli(*args, *remote, env=env)

    def ok(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run and insist on exit status 0; the standard output."""
        result = self(*args, env=env)
        assert result.exit_code == 0, describe(result)
        return result.stdout

    def started(self, job: str, *inputs: str) -> int:
        """Queue a run (not waiting); its id."""
        return int(json.loads(self.ok("job", "run", job, *inputs, "--json"))["id"])

    def running(self, run_id: int) -> None:
        """Wait until the run's first node runs."""
        with self.runtime.admin() as client:
            self.runtime.until(
                client,
                run_id,
                lambda detail: any(n["state"] == "RUNNING" for n in detail["nodes"]),
            )

    def state(self, run_id: int) -> str:
        with self.runtime.admin() as client:
            state: str = self.runtime.detail(client, run_id)["run"]["state"]
        return state


@pytest.fixture
def runs(cli: Cli, runtime: Runtime, tmp_path: Path) -> Iterator[Runs]:  # noqa: F811
    with runtime.installation.database.session() as session:
        issued = tokens.create_token(session, "admin", "runs", days=1, max_days=1)
    token_file = tmp_path / "token"
    token_file.write_text(issued.token + "\n")
    with runtime.admin() as client:
        for job in (ADDER, FAILING, TALKER, SLEEPER, DRAFT):
            runtime.save(client, job)
    yield Runs(cli, runtime, token_file)


def _run_id(stdout: str) -> int:
    """The id in the first line, ``run N of JOB version V queued``."""
    first = stdout.splitlines()[0].split()
    assert first[0] == "run", stdout
    return int(first[1])


def test_a_run_waited_for_shows_its_nodes_and_outputs(runs: Runs) -> None:
    out = runs.ok("job", "run", "adder", "n=4", "--version", "1", "--wait")

    run_id = _run_id(out)
    assert f"run {run_id}: RUNNING on runner " in out
    assert "add: SUCCEEDED in " in out and "say: SUCCEEDED in " in out
    assert out.index("say: SUCCEEDED") < out.index(f"run {run_id} SUCCEEDED after ")
    assert f"run {run_id}: QUEUED" not in out and f"run {run_id}: SUCCEEDED" not in out
    assert "outputs:\n  sum = 5\n  doubled = 8\n" in out


def test_listing_and_status_of_runs(runs: Runs) -> None:
    first = _run_id(runs.ok("job", "run", "adder", "n=1", "--wait"))
    failed = runs("job", "run", "failing", "--wait")

    listed = runs.ok("runs")
    only_adder = runs.ok("runs", "--job", "adder", "--state", "succeeded", "--started-by", "admin")
    none_failed = runs.ok("runs", "--job", "adder", "--state", "FAILED")
    nobody = runs.ok("runs", "--started-by", "nobody")
    since = runs.ok("runs", "--since", "2000-01-01", "--limit", "1", "--json")
    status = runs.ok("run-status", str(first))
    detail = json.loads(runs.ok("run-status", str(first), "--json"))

    assert failed.exit_code == RunExit.FAILED, describe(failed)
    failed_id = _run_id(failed.stdout)
    assert "adder" in listed and "failing" in listed and "SUCCEEDED" in listed
    assert f"│ {first} " in only_adder and "failing" not in only_adder
    assert "no run matches" in none_failed and "no run matches" in nobody
    page = json.loads(since)
    assert page["total"] == 2 and [r["id"] for r in page["items"]] == [failed_id]
    assert "adder (version 1)" in status and "output sum" in status and "input n" in status
    assert "│ add " in status and "│ say " in status and "SUCCEEDED" in status
    assert detail["run"]["outputs"] == {"sum": 5, "doubled": 2}
    assert [n["node"] for n in detail["nodes"]] == ["add", "say"]


def test_a_failing_run_exits_non_zero_with_its_error(runs: Runs) -> None:
    result = runs("job", "run", "failing", "--wait")
    as_json = runs("job", "run", "failing", "--wait", "--json")

    assert result.exit_code == RunExit.FAILED, describe(result)
    assert "boom: FAILED" in result.stdout and "FAILED after" in result.stdout
    assert "error: " in result.stderr and "boom" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert as_json.exit_code == RunExit.FAILED, describe(as_json)
    assert json.loads(as_json.stdout)["state"] == "FAILED"


def test_input_errors_are_named(runs: Runs) -> None:
    malformed = runs("job", "run", "adder", "n4")
    twice = runs("job", "run", "adder", "n=1", "n=2")
    unknown = runs("job", "run", "adder", "n=1", "m=2")
    wrong_type = runs("job", "run", "adder", "n=four")
    missing = runs("job", "run", "adder")
    no_job = runs("job", "run", "no-such-job")
    draft = runs("job", "run", "draft")

    for result in (malformed, twice):
        assert result.exit_code == ExitCode.USAGE, describe(result)
        assert "Traceback" not in result.output
    assert "'n4' is not NAME=VALUE" in malformed.output
    assert "input 'n' is given twice" in twice.output
    assert unknown.exit_code == ExitCode.INVALID_INPUT, describe(unknown)
    assert "error: inputs.m: job 'adder' has no such input (its inputs: n)" in unknown.stderr
    assert wrong_type.exit_code == ExitCode.INVALID_INPUT, describe(wrong_type)
    assert "error: inputs.n: " in wrong_type.stderr
    assert missing.exit_code == ExitCode.INVALID_INPUT, describe(missing)
    assert "error: inputs.n: required input" in missing.stderr
    assert no_job.exit_code == ExitCode.NOT_FOUND, describe(no_job)
    assert draft.exit_code == ExitCode.CONFLICT, describe(draft)
    assert "error: job 'draft' cannot run: " in draft.stderr
    for result in (unknown, wrong_type, missing, no_job, draft):
        assert isinstance(result.exception, SystemExit), describe(result)
    assert json.loads(runs.ok("runs", "--json"))["total"] == 0  # none of them was queued


def test_the_live_table_on_a_terminal(runs: Runs) -> None:
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}

    out = runs.ok("job", "run", "adder", "n=3", "--wait", env=terminal)

    assert "\x1b[" in out  # drawn in place, in colour
    assert "node" in out and "attempt" in out and "duration" in out
    assert "│ add " in out and "│ say " in out
    assert "SUCCEEDED" in out and "doubled = 6" in out


def test_the_log_followed_while_the_run_goes_on(runs: Runs) -> None:
    run_id = runs.started("talker")
    runs.running(run_id)

    followed = runs.ok("run-log", str(run_id), "-f")
    whole = runs.ok("run-log", str(run_id))
    one_node = runs.ok("run-log", str(run_id), "--node", "pause")
    missing = runs("run-log", "999999")

    assert runs.state(run_id) == "SUCCEEDED"
    assert "run: on runner " in followed and "pause: waiting 1 s" in followed
    assert followed.rstrip().endswith(f"run {run_id} ended SUCCEEDED")
    assert whole.splitlines() == followed.splitlines()[:-1]
    assert [line.split(" ", 1)[1] for line in one_node.splitlines()] == ["pause: waiting 1 s"]
    assert missing.exit_code == ExitCode.NOT_FOUND, describe(missing)


def test_a_timeout_leaves_the_run_going_and_cancel_ends_it(runs: Runs) -> None:
    waited = runs("job", "run", "sleeper", "--timeout", "0.5")
    run_id = _run_id(waited.stdout)
    runs.running(run_id)

    cancelled = runs("run-cancel", str(run_id))
    again = runs("run-cancel", str(run_id))
    missing = runs("run-cancel", "999999")

    assert waited.exit_code == RunExit.STILL_RUNNING, describe(waited)
    assert "after 0.5s; it goes on" in waited.stdout
    assert cancelled.exit_code == 0, describe(cancelled)
    assert f"run {run_id} CANCELLED" in cancelled.stdout
    assert runs.state(run_id) == "CANCELLED"
    assert again.exit_code == ExitCode.CONFLICT, describe(again)
    assert "has already ended (CANCELLED)" in again.stderr
    assert missing.exit_code == ExitCode.NOT_FOUND, describe(missing)


def _interrupt(runs: Runs, *more: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run the installed ``baton job run sleeper --wait`` and press Ctrl-C once it runs."""
    baton = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"
    home = str(runs.runtime.installation.settings.home)
    env = {**os.environ, "COLUMNS": WIDTH, **runs.cli.env}
    command = [
        baton, "--home", home, "job", "run", "--url", runs.runtime.url,
        "--token-file", str(runs.token_file), "sleeper", "--wait", *more,
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            with runs.runtime.admin() as client:
                run = _newest(client, "sleeper")
                runs.running(int(run["id"]))
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return result, int(run["id"])


def _newest(client: httpx.Client, job: str) -> dict[str, Any]:
    """The job's newest run, once there is one."""
    deadline = time.monotonic() + 30
    while True:
        items: list[dict[str, Any]] = client.get("/api/runs", params={"job": job}).json()["items"]
        if items:
            return items[0]
        assert time.monotonic() < deadline, f"no run of {job}"
        time.sleep(0.05)


def test_ctrl_c_leaves_the_run_running(runs: Runs) -> None:
    result, run_id = _interrupt(runs)

    assert result.returncode == RunExit.INTERRUPTED, result.stderr
    assert f"stopped waiting; run {run_id} goes on" in result.stdout
    assert "Traceback" not in result.stderr
    assert runs.state(run_id) == "RUNNING"
    runs.ok("run-cancel", str(run_id))


def test_ctrl_c_cancels_the_run_when_asked(runs: Runs) -> None:
    result, run_id = _interrupt(runs, "--cancel-on-interrupt")

    assert result.returncode == RunExit.CANCELLED, result.stderr
    assert f"cancelling run {run_id}" in result.stdout
    assert f"run {run_id} CANCELLED" in result.stdout
    assert runs.state(run_id) == "CANCELLED"
