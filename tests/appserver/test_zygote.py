"""The zygote: forked launch servers, spares, reaping, SIGTERM, and the ``fork_server`` client."""

from __future__ import annotations

import asyncio
import json
import socket
import stat
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.appserver.zygote import fork_server
from baton.errors import SpawnFailed, SpawnTimeout
from baton.protocol import frames
from tests.appserver.serverprocess import PATIENCE, ZygoteProcess, body, reaped, wait_for

pytestmark = pytest.mark.anyio

PROGRAMS = {
    "hello": """
        import os
        def main(name: str = "world") -> dict[str, object]:
            return {"greeting": f"Hello, {name}!", "pid": os.getpid()}
    """,
    "counter": """
        from baton import program
        session = program.session
        if "create" in program.params:
            session.create(900)
        if "delete" in program.params:
            session.delete()
        if session.active:
            session["count"] = session.get("count", 0) + 1
            program.webout.write(f"count={session['count']}")
        else:
            program.webout.write("no session")
    """,
}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    for name, source in PROGRAMS.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


@pytest.fixture(params=[1, 0], ids=["spare", "no-spare"])
def spare(request: pytest.FixtureRequest) -> int:
    """The zygote's ``--spare``: forked ahead, or on demand."""
    value: int = request.param
    return value


@pytest.fixture
def zygote(spare: int, library: Path, socket_dir: Path) -> Iterator[ZygoteProcess]:
    options = ("--spare", str(spare), "--preload", "json", "--grace", "5")
    process = ZygoteProcess.start(library, socket_dir, *options)
    try:
        yield process
    finally:
        assert process.stop() == 0


async def serve(
    zygote: ZygoteProcess,
    address: str,
    program: str,
    *fields: tuple[str, str],
    session_id: str | None = None,
) -> list[frames.Frame]:
    client = await zygote.connect(address)
    try:
        return await client.request(program, *fields, session_id=session_id)
    finally:
        await client.aclose()


def control_lines(control: Path, *commands: str) -> list[str]:
    """Send ``commands`` on one control connection and shut it for writing; the answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(PATIENCE)
        sock.connect(str(control))
        sock.sendall("".join(f"{command}\n" for command in commands).encode())
        sock.shutdown(socket.SHUT_WR)  # a half-closed client still gets every answer
        with sock.makefile("rb") as answers:
            return [answers.readline().decode() for _ in commands]


async def test_a_forked_server_serves_one_request_then_exits(zygote: ZygoteProcess) -> None:
    pid, address = await fork_server(zygote.control, PATIENCE)
    path = Path(address.removeprefix("unix:"))
    assert path.parent == zygote.sockets and path.name.startswith(f"{pid}-")
    answer = await serve(zygote, address, "t.hello", ("name", "Fork"))
    assert json.loads(body(answer)) == {"greeting": "Hello, Fork!", "pid": pid}
    wait_for(lambda: reaped(pid), "the forked server to exit and be reaped")
    wait_for(lambda: not path.exists(), "its socket to be removed")
    assert zygote.process.poll() is None  # the zygote goes on


async def test_a_session_keeps_the_forked_server(zygote: ZygoteProcess) -> None:
    pid, address = await fork_server(zygote.control, PATIENCE)
    first = await serve(zygote, address, "t.counter", ("create", "1"))
    end = first[-1]
    assert isinstance(end, frames.End) and end.session_id is not None
    second = await serve(zygote, address, "t.counter", session_id=end.session_id)
    assert body(second) == b"count=2"
    last = await serve(zygote, address, "t.counter", ("delete", "1"), session_id=end.session_id)
    assert body(last) == b"no session"
    wait_for(lambda: reaped(pid), "the forked server to exit once its session ended")


async def test_each_fork_is_a_new_server_and_commands_answer_in_order(
    zygote: ZygoteProcess,
) -> None:
    answers = control_lines(zygote.control, "FORK", "HELLO", "FORK")
    assert answers[1] == "FAILED unknown command\n"
    ready = [line.split() for line in (answers[0], answers[2])]
    assert [words[0] for words in ready] == ["READY", "READY"]
    pids = {int(words[1]) for words in ready}
    assert len(pids) == 2
    for words in ready:  # both listen: serve them so that they exit
        answer = await serve(zygote, words[2], "t.hello")
        assert json.loads(body(answer))["pid"] == int(words[1])
    for pid in pids:
        wait_for(lambda pid=pid: reaped(pid), f"server {pid} to be reaped")


async def test_the_control_socket_is_private(zygote: ZygoteProcess) -> None:
    assert stat.S_IMODE(zygote.control.stat().st_mode) == 0o600
    assert stat.S_IMODE(zygote.sockets.stat().st_mode) == 0o700


def children(parent: int) -> set[int]:
    """The live processes whose parent is ``parent``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == parent:
            found.add(int(entry.name))
    return found


async def test_sigterm_ends_the_zygote_and_its_children(zygote: ZygoteProcess, spare: int) -> None:
    given, _ = await fork_server(zygote.control, PATIENCE)
    wait_for(lambda: len(children(zygote.process.pid)) == 1 + spare, "the spares to be forked")
    forked = children(zygote.process.pid)
    assert given in forked
    assert zygote.stop() == 0
    for pid in forked:
        wait_for(lambda pid=pid: reaped(pid), f"server {pid} to end")
    assert not zygote.control.exists()
    assert list(zygote.sockets.iterdir()) == []
    with pytest.raises(SpawnFailed, match="cannot be reached"):
        await fork_server(zygote.control, PATIENCE)


async def test_fork_server_reports_failed_and_silent_zygotes(socket_dir: Path) -> None:
    answers = iter([b"FAILED no room\n", b"", None])

    async def fake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        answer = next(answers)
        if answer is None:  # never answers
            await reader.read()
        else:
            writer.write(answer)
        writer.close()
        await writer.wait_closed()

    control = socket_dir / "fake.sock"
    server = await asyncio.start_unix_server(fake, path=str(control))
    try:
        with pytest.raises(SpawnFailed) as failed:
            await fork_server(control, PATIENCE)
        assert failed.value.problem == "no room"
        with pytest.raises(SpawnFailed, match="closed the connection"):
            await fork_server(control, PATIENCE)
        with pytest.raises(SpawnTimeout):
            await fork_server(control, 0.2)
    finally:
        server.close()
        await server.wait_closed()
