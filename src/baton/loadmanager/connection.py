"""One broker-side connection to an application server, speaking frames.

Every way the connection can fail (refused, reset, closed in mid-conversation, a malformed
frame) comes out as a :class:`~baton.errors.ProtocolError`; a clean end of stream where a frame
was expected is :class:`~baton.errors.ConnectionLost` too, since the broker always expects one.
"""

from __future__ import annotations

import asyncio
import contextlib

from baton.errors import (
    BatonError,
    ConnectionLost,
    ConnectionRefusedByServer,
    InvalidFieldValue,
    NoServerAvailable,
    ProgramFailed,
    ProgramNotFound,
    RequestTimeout,
    ServerLost,
    SessionNotFound,
)
from baton.protocol import frames
from baton.protocol.frames import ErrorCode
from baton.protocol.stream import FrameReader, FrameWriter

#: Seconds to open a connection to a server that is supposed to be up.
CONNECT_TIMEOUT = 5.0
#: The ERROR codes after which the server keeps the connection usable (docs/protocol.md).
REUSABLE_CODES = frozenset(
    {
        ErrorCode.PROGRAM_NOT_FOUND,
        ErrorCode.BAD_INPUT,
        ErrorCode.PROGRAM_FAILED,
        ErrorCode.TIMEOUT,
        ErrorCode.BUSY,
        ErrorCode.SESSION_NOT_FOUND,
        ErrorCode.CANCELLED,
    }
)


def error_of(frame: frames.Error, *, program: str, service: str, timeout: float) -> BatonError:
    """The error a server's ERROR frame stands for; its class gives the HTTP status (one table
    in ``baton.api.errors``) and the exit status of ``baton run``.

    Args:
        frame: the server's ERROR.
        program: the ``_PROGRAM`` asked for.
        service: the service that ran it.
        timeout: the request's deadline, in seconds.
    """
    code, message = frame.code, frame.message
    if code == ErrorCode.PROGRAM_NOT_FOUND:
        return ProgramNotFound(program)
    if code == ErrorCode.BAD_INPUT:
        return InvalidFieldValue.from_sentence(message)
    if code == ErrorCode.PROGRAM_FAILED:
        return ProgramFailed(program, message or "it failed")
    if code == ErrorCode.TIMEOUT:
        return RequestTimeout(program, timeout)
    if code == ErrorCode.BUSY:
        return NoServerAvailable(service, message or f"every server of {service!r} is busy")
    if code == ErrorCode.SESSION_NOT_FOUND:
        return SessionNotFound("")
    if code == ErrorCode.REFUSED:
        return ConnectionRefusedByServer(program, message or "it gave no reason")
    return ServerLost(program, message or code)


class ServerConnection:
    """A frame connection to the server at ``address``; open it with :meth:`open`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = FrameReader(reader)
        self._writer = FrameWriter(writer)
        self.closed = False

    @classmethod
    async def open(
        cls, address: str, *, timeout: float = CONNECT_TIMEOUT, hello: frames.Hello | None = None
    ) -> ServerConnection:
        """Connect to ``tcp:HOST:PORT`` or ``unix:PATH``, and send ``hello`` first, if given.

        The HELLO is sent without waiting for an answer (the server answers only a refusal):
        a server that refuses it answers the next frame sent with ``ERROR refused``, which
        :func:`error_of` turns into :class:`~baton.errors.ConnectionRefusedByServer`.

        Raises:
            ConnectionLost: the server cannot be reached.
        """
        scheme, _, rest = address.partition(":")
        try:
            if scheme == "unix":
                opening = asyncio.open_unix_connection(rest)
            else:
                host, _, port = rest.rpartition(":")
                opening = asyncio.open_connection(host.strip("[]"), int(port))
            reader, writer = await asyncio.wait_for(opening, timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConnectionLost(f"cannot connect to {address}: {exc}") from exc
        connection = cls(reader, writer)
        if hello is not None:
            try:
                await connection.send(hello)
            except BaseException:
                await connection.aclose()
                raise
        return connection

    async def send(self, frame: frames.Frame) -> None:
        """Send ``frame``; :class:`ConnectionLost` when the connection is gone."""
        await self._writer.send(frame)

    async def receive(self) -> frames.Frame:
        """The next frame; :class:`ConnectionLost` when the server closed the connection."""
        frame = await self._reader.receive()
        if frame is None:
            self.closed = True
            raise ConnectionLost("the server closed the connection")
        return frame

    async def ping(self, timeout: float) -> bool:
        """Whether the server answers PING with PONG within ``timeout`` seconds."""
        try:
            await self.send(frames.Ping())
            return isinstance(await asyncio.wait_for(self.receive(), timeout), frames.Pong)
        except (ConnectionLost, TimeoutError, OSError):
            return False
        except Exception:
            return False

    async def status(self, timeout: float) -> frames.StatusReply | None:
        """The server's STATUS_REPLY, or None when it does not answer in time."""
        try:
            await self.send(frames.Status())
            reply = await asyncio.wait_for(self.receive(), timeout)
        except Exception:
            return None
        return reply if isinstance(reply, frames.StatusReply) else None

    async def aclose(self) -> None:
        """Close the connection (idempotent)."""
        self.closed = True
        with contextlib.suppress(Exception):
            await self._writer.aclose()
