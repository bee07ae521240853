"""What :class:`LocalSpawner` does beyond the shared contract: process groups, the environment,
standard output, exit statuses, cancellation."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from baton.errors import SpawnFailed, SpawnTimeout
from baton.spawner.base import LaunchSpec
from baton.spawner.local import LocalSpawner
from tests.appserver.serverprocess import PATIENCE, executable, pid_gone, wait_for_async
from tests.spawner.test_conformance import environment

pytestmark = pytest.mark.anyio

#: A pretend server: it says it listens (on a port nobody uses) and then does what it is told.
PRETEND = """
    import os, signal, subprocess, sys, time
    folder = sys.argv[1]
    def mark(name, text):
        with open(os.path.join(folder, name + ".tmp"), "w") as out:
            out.write(text)
        os.rename(os.path.join(folder, name + ".tmp"), os.path.join(folder, name))
    actions = sys.argv[2:]
    if "ignore-term" in actions:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "child" in actions:
        child = subprocess.Popen(["sleep", "60"])
        mark("child", str(child.pid))
    if "env" in actions:
        import json
        mark("env", json.dumps({**os.environ, "cwd": os.getcwd()}))
    if "long-line" in actions:
        print("x" * 100_000, flush=True)
    if "stderr" in actions:
        print("to the log", file=sys.stderr, flush=True)
    if "silent" not in actions:
        print("listening tcp:127.0.0.1:9", flush=True)
    if "chatty" in actions:
        for _ in range(1000):
            sys.stdout.write("y" * 1023 + "\\n")
        sys.stdout.flush()
        mark("chatted", "yes")
    mark("ready", "yes")
    time.sleep(60)
"""


@pytest.fixture
def pretend(tmp_path: Path) -> Path:
    script = tmp_path / "pretend.py"
    script.write_text(textwrap.dedent(PRETEND))
    return script


def spec(pretend: Path, *actions: str, start_timeout: float = PATIENCE, **env: str) -> LaunchSpec:
    argv = (sys.executable, str(pretend), str(pretend.parent), *actions)
    return LaunchSpec("pretend", argv, {**environment(), **env}, start_timeout=start_timeout)


async def gone(pid: int) -> None:
    """Wait until ``pid`` is gone (a signal to a whole group lands on each process in turn)."""

    async def dead() -> bool:
        return pid_gone(pid)

    await wait_for_async(dead, f"process {pid} to end")


async def appeared(path: Path) -> None:
    async def exists() -> bool:
        return path.exists()

    await wait_for_async(exists, f"{path.name} to appear")


async def test_a_server_that_exits_on_sigterm_gives_its_status(library: Path) -> None:
    argv = (sys.executable, "-m", "baton.appserver", "--listen", "tcp:127.0.0.1:0")
    spawner = LocalSpawner(
        LaunchSpec("server", (*argv, "--library", f"t={library}"), environment())
    )
    await spawner.start()
    assert await spawner.stop(grace=PATIENCE) == 0
    assert spawner.poll() == 0


async def test_a_server_that_ignores_sigterm_is_killed_after_the_grace(pretend: Path) -> None:
    spawner = LocalSpawner(spec(pretend, "ignore-term"))
    await spawner.start()
    await appeared(pretend.parent / "ready")  # SIGTERM is ignored from now on
    assert await spawner.stop(grace=0.2) == -signal.SIGKILL
    assert spawner.pid is not None and pid_gone(spawner.pid)


async def test_stop_ends_what_the_server_started(pretend: Path) -> None:
    spawner = LocalSpawner(spec(pretend, "child"))
    await spawner.start()
    child = int((pretend.parent / "child").read_text())
    assert not pid_gone(child)
    await spawner.stop(grace=PATIENCE)
    await gone(child)


async def test_a_silent_server_times_out_and_its_whole_group_is_killed(pretend: Path) -> None:
    spawner = LocalSpawner(spec(pretend, "child", "silent", start_timeout=1.0))
    with pytest.raises(SpawnTimeout) as caught:
        await spawner.start()
    assert caught.value.seconds == 1.0
    child = int((pretend.parent / "child").read_text())
    assert spawner.pid is not None and pid_gone(spawner.pid)
    await gone(child)


async def test_a_server_that_exits_first_is_a_spawn_failure(pretend: Path) -> None:
    spawner = LocalSpawner(
        LaunchSpec("quitter", (sys.executable, "-c", "raise SystemExit(3)"), environment())
    )
    with pytest.raises(SpawnFailed, match="status 3"):
        await spawner.start()
    assert spawner.poll() == 3


async def test_cancelling_start_kills_the_process(pretend: Path) -> None:
    spawner = LocalSpawner(spec(pretend, "silent"))
    task = asyncio.create_task(spawner.start())
    await appeared(pretend.parent / "ready")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert spawner.pid is not None and pid_gone(spawner.pid)


async def test_the_process_gets_the_spec_environment_only(
    pretend: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_TEST_SECRET", "of the control plane")
    work = tmp_path / "work"
    work.mkdir()
    launch = spec(pretend, "env", GIVEN="yes")
    spawner = LocalSpawner(LaunchSpec(launch.name, launch.argv, launch.env, cwd=work))
    await spawner.start()
    try:
        seen = json.loads((pretend.parent / "env").read_text())
    finally:
        await spawner.stop(grace=PATIENCE)
    assert seen["GIVEN"] == "yes"
    assert "BATON_TEST_SECRET" not in seen
    assert seen["cwd"] == str(work)


async def test_output_after_listening_is_read_so_the_server_never_blocks(pretend: Path) -> None:
    spawner = LocalSpawner(spec(pretend, "chatty"))
    await spawner.start()
    try:
        await appeared(pretend.parent / "chatted")  # a megabyte: far beyond a pipe's buffer
    finally:
        await spawner.stop(grace=PATIENCE)


async def test_a_line_too_long_before_listening_is_skipped(pretend: Path) -> None:
    spawner = LocalSpawner(spec(pretend, "long-line"))
    assert await spawner.start() == "tcp:127.0.0.1:9"
    await spawner.stop(grace=PATIENCE)


async def test_standard_error_goes_to_the_log_file(pretend: Path, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("before\n")
    spawner = LocalSpawner(spec(pretend, "stderr"), log=log)
    await spawner.start()
    await spawner.stop(grace=PATIENCE)
    assert log.read_text() == "before\nto the log\n"


async def test_the_command_is_looked_up_on_the_spec_path(pretend: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    executable(folder / "pretend-server", f'#!/bin/sh\nexec {sys.executable} {pretend} "$@"\n')
    argv = ("pretend-server", str(pretend.parent))
    spawner = LocalSpawner(LaunchSpec("on path", argv, {**environment(), "PATH": str(folder)}))
    assert await spawner.start() == "tcp:127.0.0.1:9"
    await spawner.stop(grace=PATIENCE)
    elsewhere = LocalSpawner(LaunchSpec("not on path", argv, environment()))
    with pytest.raises(SpawnFailed, match="not an executable"):
        await elsewhere.start()
    assert elsewhere.pid is None


async def test_a_file_without_the_exec_bit_is_not_started(tmp_path: Path) -> None:
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\necho listening tcp:127.0.0.1:9\n")
    spawner = LocalSpawner(LaunchSpec("not executable", (str(script),), environment()))
    with pytest.raises(SpawnFailed):
        await spawner.start()
    assert spawner.pid is None


@pytest.mark.parametrize(("actions", "status"), [((), 0), (("ignore-term",), -signal.SIGKILL)])
async def test_an_adopted_process_is_stopped_with_its_group(
    pretend: Path, actions: tuple[str, ...], status: int
) -> None:
    original = LocalSpawner(spec(pretend, "child", *actions))
    await original.start()
    await appeared(pretend.parent / "ready")
    child = int((pretend.parent / "child").read_text())
    try:
        adopted = LocalSpawner(spec(pretend))
        adopted.load_state(original.get_state())
        assert adopted.poll() is None
        # Killed by SIGKILL only when SIGTERM was not enough: else it exited on its own.
        assert await adopted.stop(grace=0.5) == status
        assert adopted.poll() == status
        assert original.pid is not None and pid_gone(original.pid)
        await gone(child)
    finally:
        await original.stop(grace=0)


async def test_an_adopted_process_that_is_gone_polls_as_ended(pretend: Path) -> None:
    original = LocalSpawner(spec(pretend))
    await original.start()
    state = original.get_state()
    await original.stop(grace=PATIENCE)
    adopted = LocalSpawner(spec(pretend))
    adopted.load_state(state)
    assert adopted.poll() is not None
    assert await adopted.stop() == adopted.poll()
