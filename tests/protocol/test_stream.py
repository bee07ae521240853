"""FrameReader and FrameWriter over real sockets: TCP on 127.0.0.1 and a Unix socket."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from baton.errors import ConnectionLost, FrameTooLarge, MalformedFrame
from baton.protocol import frames
from baton.protocol.codec import PREFIX, encode
from baton.protocol.stream import FrameReader, FrameWriter

pytestmark = pytest.mark.anyio

TIMEOUT = 10.0


@dataclass
class Link:
    """Both ends of one connection: the client's and the server's readers and writers."""

    client: FrameWriter
    server: FrameReader
    client_raw: asyncio.StreamWriter  # for bytes that are not frames
    server_raw: asyncio.StreamWriter
    server_stream: asyncio.StreamReader
    back: FrameReader  # the client's reading side
    reply: FrameWriter  # the server's writing side


@pytest.fixture(params=["tcp", "unix"])
async def link(request: pytest.FixtureRequest, socket_dir: Path) -> AsyncIterator[Link]:
    accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accepted.put((reader, writer))

    if request.param == "tcp":
        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client_reader, client_writer = await asyncio.open_connection("127.0.0.1", port)
    else:
        path = str(socket_dir / "frames.sock")
        server = await asyncio.start_unix_server(on_connect, path)
        client_reader, client_writer = await asyncio.open_unix_connection(path)
    async with asyncio.timeout(TIMEOUT):
        server_reader, server_writer = await accepted.get()
    link = Link(
        client=FrameWriter(client_writer),
        server=FrameReader(server_reader),
        client_raw=client_writer,
        server_raw=server_writer,
        server_stream=server_reader,
        back=FrameReader(client_reader),
        reply=FrameWriter(server_writer),
    )
    try:
        yield link
    finally:
        await link.client.aclose()
        await link.reply.aclose()
        server.close()
        await server.wait_closed()


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds, or fail after TIMEOUT seconds."""
    async with asyncio.timeout(TIMEOUT):
        while not condition():
            await asyncio.sleep(0.005)


SEQUENCE: list[frames.Frame] = [
    frames.Request("r1", "sample.hello", fields=(("name", "Ada"),), user="ada"),
    frames.Head(200, (("Content-Type", "text/plain"),)),
    frames.Data(b"Hello, "),
    frames.Data(b"Ada"),
    frames.End(200, log=("said hello",), timings={"run": 0.01}),
    frames.Ping(),
    frames.Pong(),
]


async def test_frames_arrive_in_order(link: Link) -> None:
    async with asyncio.timeout(TIMEOUT):
        for frame in SEQUENCE:
            await link.client.send(frame)
        received = [await link.server.receive() for _ in SEQUENCE]

    assert received == SEQUENCE


async def test_both_directions(link: Link) -> None:
    async with asyncio.timeout(TIMEOUT):
        await link.client.send(frames.Status())
        assert await link.server.receive() == frames.Status()
        reply = frames.StatusReply(pid=42, capacity=2, active=1, served=10, sessions=0, uptime=3.5)
        await link.reply.send(reply)
        assert await link.back.receive() == reply


async def test_a_frame_split_into_one_byte_writes(link: Link) -> None:
    frame = SEQUENCE[0]
    wire = encode(frame) + encode(frames.Ping())

    async with asyncio.timeout(TIMEOUT):
        receiving = asyncio.create_task(link.server.receive())
        for index in range(len(wire)):
            link.client_raw.write(wire[index : index + 1])
            await link.client_raw.drain()
            await asyncio.sleep(0)
        assert await receiving == frame
        assert await link.server.receive() == frames.Ping()


async def test_clean_eof_between_frames_is_none(link: Link) -> None:
    async with asyncio.timeout(TIMEOUT):
        await link.client.send(frames.Ping())
        await link.client.aclose()

        assert await link.server.receive() == frames.Ping()
        assert await link.server.receive() is None
        assert await link.server.receive() is None


@pytest.mark.parametrize("keep", [2, 4, 10], ids=["in-prefix", "after-prefix", "in-body"])
async def test_eof_inside_a_frame_is_malformed(link: Link, keep: int) -> None:
    link.client_raw.write(encode(frames.Data(b"cut short"))[:keep])
    await link.client.aclose()

    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(MalformedFrame) as caught:
            await link.server.receive()

    assert "connection closed inside" in caught.value.reason


async def test_a_huge_prefix_fails_without_waiting_for_the_body(link: Link) -> None:
    link.client_raw.write(PREFIX.pack(2**31))  # 2 GiB announced; nothing follows, nothing closes

    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(FrameTooLarge) as caught:
            await link.server.receive()

    assert caught.value.size == 2**31


async def test_garbage_body_is_malformed(link: Link) -> None:
    link.client_raw.write(PREFIX.pack(3) + b"\x93\x01\x02")

    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(MalformedFrame):
            await link.server.receive()


async def test_the_reader_refuses_what_is_over_its_own_limit(link: Link) -> None:
    small = FrameReader(link.server_stream, max_size=16)
    await link.client.send(frames.Data(b"x" * 100))

    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(FrameTooLarge) as caught:
            await small.receive()

    assert (caught.value.size, caught.value.limit) == (len(encode(frames.Data(b"x" * 100))) - 4, 16)


def shrink_buffers(link: Link) -> None:
    """Small kernel buffers, so that a few MiB cannot hide in them (TCP autotuning would)."""
    client = link.client_raw.get_extra_info("socket")
    server = link.server_raw.get_extra_info("socket")
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)


async def test_a_large_frame_waits_for_the_reader(link: Link) -> None:
    shrink_buffers(link)
    chunk = bytes(range(256)) * (4 * 1024 * 1024 // 256)  # 4 MiB
    transport = link.client_raw.transport
    _low, high = transport.get_write_buffer_limits()

    async with asyncio.timeout(TIMEOUT):
        sending = asyncio.create_task(link.client.send(frames.Data(chunk)))
        # Nobody reads: the frame piles up in the transport, and send() waits for it to drain.
        await eventually(lambda: transport.get_write_buffer_size() > high)
        assert not sending.done()

        received = await link.server.receive()
        await sending

    assert received == frames.Data(chunk)
    assert transport.get_write_buffer_size() <= high


async def test_many_large_frames_in_a_row(link: Link) -> None:
    shrink_buffers(link)
    chunks = [bytes([index]) * (1024 * 1024) for index in range(4)]

    async def send_all() -> None:
        for chunk in chunks:
            await link.client.send(frames.Data(chunk))
        await link.client.send(frames.End(200))

    async with asyncio.timeout(TIMEOUT):
        sending = asyncio.create_task(send_all())
        received = [await link.server.receive() for _ in range(len(chunks) + 1)]
        await sending

    assert received == [*map(frames.Data, chunks), frames.End(200)]


async def test_sending_on_a_closed_writer_is_connection_lost(link: Link) -> None:
    await link.client.aclose()
    await link.client.aclose()  # idempotent

    with pytest.raises(ConnectionLost):
        await link.client.send(frames.Ping())


async def test_sending_to_a_peer_that_left_is_connection_lost(link: Link) -> None:
    await link.reply.aclose()  # the server side closes its end
    async with asyncio.timeout(TIMEOUT):
        assert await link.back.receive() is None

        with pytest.raises(ConnectionLost):
            for _ in range(1000):  # the first writes may still fit in the kernel's buffer
                await link.client.send(frames.Data(b"x" * 1024))
                await asyncio.sleep(0.001)


async def test_a_too_large_frame_is_not_sent(link: Link) -> None:
    writer = FrameWriter(link.client_raw, max_size=32)

    with pytest.raises(FrameTooLarge):
        await writer.send(frames.Data(b"x" * 100))
    await writer.send(frames.Ping())  # nothing was written: the stream is still in step

    async with asyncio.timeout(TIMEOUT):
        assert await link.server.receive() == frames.Ping()


async def test_a_reset_inside_a_frame_is_connection_lost() -> None:
    accepted: asyncio.Queue[asyncio.StreamReader] = asyncio.Queue()
    writers: list[asyncio.StreamWriter] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await accepted.put(reader)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        async with asyncio.timeout(TIMEOUT):
            frame_reader = FrameReader(await accepted.get())
            writer.write(encode(frames.Data(b"cut short"))[:10])
            await writer.drain()
            # SO_LINGER with a zero timeout: close() sends a reset instead of a FIN.
            writer.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

            with pytest.raises(ConnectionLost):
                await frame_reader.receive()
    finally:
        for accepted_writer in writers:
            accepted_writer.close()
            with contextlib.suppress(OSError):
                await accepted_writer.wait_closed()
        server.close()
        await server.wait_closed()


async def test_a_fed_stream_one_byte_at_a_time() -> None:
    stream = asyncio.StreamReader()
    reader = FrameReader(stream)
    wire = b"".join(encode(frame) for frame in SEQUENCE)

    async def feed() -> None:
        for index in range(len(wire)):
            stream.feed_data(wire[index : index + 1])
            await asyncio.sleep(0)
        stream.feed_eof()

    async with asyncio.timeout(TIMEOUT):
        feeding = asyncio.create_task(feed())
        received = [await reader.receive() for _ in SEQUENCE]
        assert await reader.receive() is None
        await feeding

    assert received == SEQUENCE


async def test_a_nonsense_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        FrameReader(asyncio.StreamReader(), max_size=0)
