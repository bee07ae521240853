"""Once mode (``--once``, launch services): one request, unless it leaves a session."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.protocol import frames
from tests.appserver.serverprocess import PATIENCE, ServerProcess, body, pid_gone, wait_for

pytestmark = pytest.mark.anyio

COUNTER = """
    from baton import program

    session = program.session
    if "create" in program.params:
        session.create(float(program.params["create"]))
    if "delete" in program.params:
        session.delete()
    if session.active:
        session["count"] = session.get("count", 0) + 1
        program.webout.write(f"count={session['count']}")
    else:
        program.webout.write("no session")
"""


@pytest.fixture
def once(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server in once mode on a Unix socket."""
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "counter.py").write_text(textwrap.dedent(COUNTER))
    listen = f"unix:{tmp_path / 'once.sock'}"
    process = ServerProcess.start(folder, tmp_path / "server.log", listen, "--once")
    try:
        yield process
    finally:
        process.stop()


async def run(
    server: ServerProcess, *fields: tuple[str, str], session_id: str | None = None
) -> list[frames.Frame]:
    client = await server.connect()
    try:
        return await client.request("t.counter", *fields, session_id=session_id)
    finally:
        await client.aclose()


def exited(server: ServerProcess) -> int:
    wait_for(lambda: pid_gone(server.process.pid), "the server to exit")
    return server.process.wait(PATIENCE)


async def test_exits_after_one_request(once: ServerProcess, tmp_path: Path) -> None:
    # A health check first: PING and STATUS on a connection closed without a request.
    client = await once.connect()
    try:
        await client.ping()
        assert (await client.status()).served == 0
    finally:
        await client.aclose()
    answer = await run(once)
    assert body(answer) == b"no session" and isinstance(answer[-1], frames.End)
    assert exited(once) == 0
    assert not (tmp_path / "once.sock").exists()


async def test_the_request_connection_is_closed_after_its_final_frame(
    once: ServerProcess,
) -> None:
    client = await once.connect()
    try:
        answer = await client.request("t.counter")
        assert isinstance(answer[-1], frames.End)
        assert await client.receive() is None  # closed by the server, not by us
    finally:
        await client.aclose()
    assert exited(once) == 0


async def test_stays_while_a_session_lives(once: ServerProcess) -> None:
    first = await run(once, ("create", "900"))
    end = first[-1]
    assert isinstance(end, frames.End) and end.session_id is not None
    second = await run(once, session_id=end.session_id)
    assert body(second) == b"count=2"
    last = await run(once, ("delete", "1"), session_id=end.session_id)
    assert body(last) == b"no session"
    assert exited(once) == 0


async def test_exits_when_its_session_expires(once: ServerProcess) -> None:
    first = await run(once, ("create", "0.5"))
    assert body(first) == b"count=1"
    assert exited(once) == 0
