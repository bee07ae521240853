"""One broker-side connection to an application server, speaking frames.

Every way the connection can fail (refused, reset, closed in mid-conversation, a malformed
frame) comes out as a :class:`~baton.errors.ProtocolError`; a clean end of stream where a frame
was expected is :class:`~baton.errors.ConnectionLost` too, since the broker always expects one.
"""

from __future__ import annotations

import asyncio
import contextlib

from baton.errors import ConnectionLost
from baton.protocol import frames
from baton.protocol.stream import FrameReader, FrameWriter

#: Seconds to open a connection to a server that is supposed to be up.
CONNECT_TIMEOUT = 5.0


class ServerConnection:
    """A frame connection to the server at ``address``; open it with :meth:`open`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = FrameReader(reader)
        self._writer = FrameWriter(writer)
        self.closed = False

    @classmethod
    async def open(cls, address: str, *, timeout: float = CONNECT_TIMEOUT) -> ServerConnection:
        """Connect to ``tcp:HOST:PORT`` or ``unix:PATH``.

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
        return cls(reader, writer)

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
