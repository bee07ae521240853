"""Frames over asyncio streams: a reader and a writer for one connection (TCP or Unix socket).

One task receives from a :class:`FrameReader`; any number of tasks may send through a
:class:`FrameWriter` (each frame is written in one piece, so frames never interleave). After a
:class:`~baton.errors.ProtocolError` the stream is out of step: answer with an ``ERROR`` frame
if the connection still works (:meth:`baton.protocol.frames.Error.from_error`), then close it.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from baton.errors import ConnectionLost, MalformedFrame
from baton.protocol.codec import (
    DEFAULT_MAX_FRAME_SIZE,
    PREFIX_SIZE,
    check_max_size,
    decode_body,
    encode,
    frame_length,
)
from baton.protocol.frames import Frame


class FrameReader:
    """Receives frames from a stream, refusing any over ``max_size`` before reading its body.

    Args:
        reader: the connection's reading side.
        max_size: the largest frame body accepted, in bytes.
    """

    def __init__(
        self, reader: asyncio.StreamReader, max_size: int = DEFAULT_MAX_FRAME_SIZE
    ) -> None:
        self._reader = reader
        self._max_size = check_max_size(max_size)

    async def receive(self) -> Frame | None:
        """The next frame, or None when the peer closed the connection between frames.

        Raises:
            FrameTooLarge: the prefix announces a body over ``max_size`` (nothing more is read).
            MalformedFrame: the frame is malformed, or the stream ends inside it.
            UnsupportedVersion: the frame's version is not spoken here.
            ConnectionLost: the connection failed (reset by the peer).
        """
        try:
            prefix = await self._reader.readexactly(PREFIX_SIZE)
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                return None
            raise _truncated("length prefix", exc) from exc
        except OSError as exc:
            raise _lost("receiving", exc) from exc
        length = frame_length(prefix, self._max_size)
        try:
            body = await self._reader.readexactly(length)
        except asyncio.IncompleteReadError as exc:
            raise _truncated("body", exc) from exc
        except OSError as exc:
            raise _lost("receiving", exc) from exc
        return decode_body(body, max_size=self._max_size)


def _truncated(part: str, exc: asyncio.IncompleteReadError) -> MalformedFrame:
    return MalformedFrame(
        f"the connection closed inside a frame's {part} "
        f"({len(exc.partial)} of {exc.expected} bytes)"
    )


def _lost(doing: str, exc: OSError) -> ConnectionLost:
    return ConnectionLost(f"the connection failed while {doing} a frame: {exc}")


class FrameWriter:
    """Sends frames on a stream, waiting for the peer to take them (backpressure).

    It owns the connection: :meth:`aclose` closes it, also as an async context manager.

    Args:
        writer: the connection's writing side.
        max_size: the largest frame body sent, in bytes (the receiver's limit).
    """

    def __init__(
        self, writer: asyncio.StreamWriter, max_size: int = DEFAULT_MAX_FRAME_SIZE
    ) -> None:
        self._writer = writer
        self._max_size = check_max_size(max_size)
        self._closed = False

    async def send(self, frame: Frame, *more: Frame) -> None:
        """Write ``frame`` (and ``more`` frames, in one write), and return once the transport's
        buffer is below its high-water mark.

        Raises:
            FrameTooLarge: a frame's body is over ``max_size``; nothing was written.
            MalformedFrame: a frame cannot be encoded; nothing was written.
            ConnectionLost: the connection is closed or failed.
        """
        data = encode(frame, max_size=self._max_size)
        if more:
            data = b"".join([data, *(encode(extra, max_size=self._max_size) for extra in more)])
        if self._closed or self._writer.is_closing():
            raise ConnectionLost("the connection is closed")
        self._writer.write(data)
        try:
            await self._writer.drain()
        except OSError as exc:
            raise _lost("sending", exc) from exc

    async def aclose(self) -> None:
        """Close the connection and wait until it is closed; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        with contextlib.suppress(OSError):  # reset by the peer: closed all the same
            await self._writer.wait_closed()

    async def __aenter__(self) -> FrameWriter:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
