"""Faults against a real application server: timeouts, cancels, crashes, malformed frames."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.errors import ProtocolError
from baton.protocol import frames
from baton.protocol.codec import encode
from tests.appserver.serverprocess import Client, ServerProcess, wait_for_async

pytestmark = pytest.mark.anyio


async def _status(server: ServerProcess) -> frames.StatusReply:
    client = await server.connect()
    try:
        return await client.status()
    finally:
        await client.aclose()


async def _idle(server: ServerProcess) -> bool:
    return (await _status(server)).active == 0


async def test_a_program_writing_forever_times_out(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.forever", deadline=0.5)
        await client.ping()
    finally:
        await client.aclose()
    assert isinstance(answer[0], frames.Head)
    assert answer[-1] == frames.Error("timeout", "the request ran past its deadline of 0.5 s")
    # Its next write raised ProgramStopped: the thread ended and gave its slot back.
    await wait_for_async(lambda: _idle(server), "the program's thread to end")


async def test_cancel_stops_a_running_request(server: ServerProcess, tmp_path: Path) -> None:
    client = await server.connect()
    try:
        fields = (("folder", str(tmp_path)), ("name", "c"))
        await client.send(frames.Request("r7", "t.gated", fields=fields))
        assert isinstance(await client.receive(), frames.Head)
        assert isinstance(await client.receive(), frames.Data)
        await client.send(frames.Cancel("another"))  # ignored
        await client.send(frames.Cancel("r7"))
        assert await client.receive() == frames.Error("cancelled", "the request was cancelled")
        await client.ping()
        (tmp_path / "gate-c").touch()  # its next write raises; the slot comes back
        await wait_for_async(lambda: _idle(server), "the cancelled program to end")
    finally:
        await client.aclose()


async def test_a_program_calling_os_exit_takes_the_server_down(server: ServerProcess) -> None:
    """In-process programs share the server's process: os._exit ends it (documented).

    The broker sees a clean end of the connection and will replace the server.
    """
    client = await server.connect()
    try:
        await client.send(frames.Request("r1", "t.suicide"))
        try:
            frame = await client.receive()
        except ProtocolError:  # reset by the peer
            frame = None
        assert frame is None
    finally:
        await client.aclose()
    assert server.process.wait(10) == 3


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x00\x00\x00\x05hello", "malformed_frame"),
        (b"\x00\x00\x00\x00", "malformed_frame"),
        (b"\xff\xff\xff\xff", "frame_too_large"),
        (b"\x00\x00\x00\x01\xc1", "malformed_frame"),
        (encode(frames.Pong()), "unexpected_frame"),
        (encode(frames.Data(b"x")), "unexpected_frame"),
        (encode(frames.Head(200)), "unexpected_frame"),
    ],
)
async def test_malformed_frames_close_the_connection_only(
    server: ServerProcess, data: bytes, code: str
) -> None:
    client = await server.connect()
    try:
        client.raw_writer.write(data)
        answer = await client.receive()
        assert isinstance(answer, frames.Error) and answer.code == code
        assert await client.receive() is None  # closed by the server
    finally:
        await client.aclose()
    other = await server.connect()
    try:
        await other.ping()
    finally:
        await other.aclose()


async def test_a_frame_out_of_turn_during_a_request(server: ServerProcess, tmp_path: Path) -> None:
    client = await server.connect()
    try:
        fields = (("folder", str(tmp_path)), ("name", "o"))
        await client.send(frames.Request("r1", "t.gated", fields=fields))
        assert isinstance(await client.receive(), frames.Head)
        assert isinstance(await client.receive(), frames.Data)
        await client.send(frames.Ping())
        answer = await client.receive()
        assert isinstance(answer, frames.Error) and answer.code == "unexpected_frame"
        assert await client.receive() is None
    finally:
        (tmp_path / "gate-o").touch()
        await client.aclose()
    await wait_for_async(lambda: _idle(server), "the program to end")


async def _poke(server: ServerProcess, data: bytes) -> None:
    client = await server.connect()
    try:
        client.raw_writer.write(data)
        client.raw_writer.write_eof()
        while True:
            try:
                frame = await client.receive()
            except ProtocolError:
                break
            if frame is None:
                break
    finally:
        await client.aclose()


def test_arbitrary_bytes_never_kill_the_server(server: ServerProcess) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=300) | st.builds(lambda b: b"\x00\x00\x00\x10" + b, st.binary()))
    def check(data: bytes) -> None:
        asyncio.run(_poke(server, data))
        assert server.process.poll() is None

    check()

    async def alive() -> None:
        client: Client = await server.connect()
        try:
            await client.ping()
        finally:
            await client.aclose()

    asyncio.run(alive())


async def test_a_client_leaving_mid_stream_frees_the_slot(
    server: ServerProcess, tmp_path: Path
) -> None:
    client = await server.connect()
    try:
        fields = (("folder", str(tmp_path)), ("name", "gone"))
        await client.send(frames.Request("r1", "t.gated", fields=fields))
        assert isinstance(await client.receive(), frames.Head)
        assert isinstance(await client.receive(), frames.Data)
    finally:
        await client.aclose()
    assert (await _status(server)).active == 1
    (tmp_path / "gate-gone").touch()  # its next write finds the request over
    await wait_for_async(lambda: _idle(server), "the slot to be released")
