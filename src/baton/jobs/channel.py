"""The runner channel: how the control plane and a runner process talk about one run.

One TCP connection per run, newline-delimited JSON messages (one object per line, at most
:data:`MAX_MESSAGE` bytes), each with a ``type``. The control plane connects to a runner it
leased from the spawner and opens with ``hello`` (the lease's ticket proof, as the application
servers' HELLO frame: see :mod:`baton.protocol.tickets`); the runner answers ``welcome`` (or
``refused`` and closes). Then:

control plane -> runner
    ``start`` (the run: id, job document, inputs, finished nodes and variables of an earlier
    attempt), ``reply`` (to a ``call``: ``ok`` with ``value``, or ``error``), ``cancel``.
runner -> control plane
    ``node`` (a node attempt's transition: path, attempt, state, outputs, error), ``log``
    (path, line), ``variable`` (name, value), ``call`` (id, op, arguments: what the runner asks
    the control plane to do: run a program, a child run, raise or wait for an event, wait for a
    file), ``abandon`` (id: the call's node was cancelled or timed out), ``end`` (state,
    outputs, error).

The end of the connection before ``end`` is a crash: the control plane marks the run CRASHED;
the runner, seeing the control plane go, cancels the run. docs/protocol.md has the details.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from typing import Any

from baton.errors import JobError

#: The largest message, in bytes (a node's outputs travel in one).
MAX_MESSAGE = 16 * 1024 * 1024

Message = dict[str, Any]


class ChannelError(JobError):
    """A message that is not JSON, not an object, too long, or without a type."""

    code = "channel_error"


def encode(message: Message) -> bytes:
    """One message as its line."""
    data = json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    if len(data) >= MAX_MESSAGE:
        raise ChannelError(f"a {message.get('type')!r} message of {len(data)} bytes is too long")
    return data + b"\n"


def decode(line: bytes) -> Message:
    """The message of one line (with or without its newline)."""
    if len(line) > MAX_MESSAGE:
        raise ChannelError(f"a message longer than {MAX_MESSAGE} bytes")
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChannelError(f"a message that is not JSON: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ChannelError("a message must be a JSON object with a string 'type'")
    return message


def parse_address(address: str) -> tuple[str, int]:
    """``tcp:HOST:PORT`` (what a runner prints when it listens) as (host, port)."""
    scheme, _, rest = address.partition(":")
    host, _, port = rest.rpartition(":")
    if scheme != "tcp" or not host or not port.isdigit():
        raise ChannelError(f"a runner address must be tcp:HOST:PORT, not {address!r}")
    return host, int(port)


class SyncChannel:
    """The runner's side: blocking reads on one thread, writes from any thread."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            # Small messages in a row: without this, Nagle's algorithm holds the second one
            # until the first is acknowledged (a delayed ACK: 40 ms per step).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = sock.makefile("rb")
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        """Send one message (thread-safe); raises OSError when the peer is gone."""
        data = encode(message)
        with self._lock:
            self._sock.sendall(data)

    def receive(self) -> Message | None:
        """The next message, or None at the end of the connection."""
        line = self._file.readline(MAX_MESSAGE + 1)
        if not line:
            return None
        if not line.endswith(b"\n"):
            if len(line) > MAX_MESSAGE:
                raise ChannelError(f"a message longer than {MAX_MESSAGE} bytes")
            return None  # cut short: the peer went away mid-message
        return decode(line)

    def close(self) -> None:
        self._file.close()
        self._sock.close()


class AsyncChannel:
    """The control plane's side, on the event loop."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def connect(cls, address: str, timeout: float = 10.0) -> AsyncChannel:
        host, port = parse_address(address)
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, limit=MAX_MESSAGE + 1)
        return cls(reader, writer)

    async def send(self, message: Message) -> None:
        self._writer.write(encode(message))
        await self._writer.drain()

    async def receive(self) -> Message | None:
        """The next message, or None at the end of the connection (or a broken one)."""
        try:
            line = await self._reader.readline()
        except (ConnectionError, asyncio.IncompleteReadError):
            return None
        except asyncio.LimitOverrunError:
            raise ChannelError(f"a message longer than {MAX_MESSAGE} bytes") from None
        except ValueError:  # the limit, as StreamReader.readline reports it
            raise ChannelError(f"a message longer than {MAX_MESSAGE} bytes") from None
        if not line.endswith(b"\n"):
            return None
        return decode(line)

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
