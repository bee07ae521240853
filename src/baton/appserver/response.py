"""One request's answer on the wire: HEAD before the first DATA, nothing after END or ERROR.

:class:`Response` lives on the event loop. Both runners send through it; the in-process runner
reaches it from its worker thread through :class:`baton.appserver.output.ProgramOutput`. Once
the request is stopped (timeout, cancel, the broker went away) or finished, every further send
is refused, so no frame of a request ever follows its final frame.
"""

from __future__ import annotations

from collections.abc import Mapping

from baton.appserver.sessions import SessionOutcome
from baton.errors import ConnectionLost
from baton.program import HeadersAlreadySent
from baton.protocol import frames
from baton.protocol.stream import FrameWriter

#: The Content-Type of a response whose program set none.
DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
#: The largest DATA chunk sent; longer writes are cut (docs/protocol.md: 64 KiB to 1 MiB).
MAX_CHUNK = 256 * 1024


class Response:
    """The frames of one conversation's answer.

    Args:
        writer: the connection's frame writer.
    """

    def __init__(self, writer: FrameWriter) -> None:
        self._writer = writer
        self.status = 200
        self.headers: list[tuple[str, str]] = [("Content-Type", DEFAULT_CONTENT_TYPE)]
        self.head_sent = False
        self.bytes_sent = 0
        #: Set once the request is over: no HEAD or DATA may follow.
        self.closed = False

    def set_header(self, name: str, value: str) -> None:
        """Add or replace a header (``Set-Cookie`` adds; ``Status`` sets the status).

        Raises:
            HeadersAlreadySent: the head is already sent.
            ValueError: ``Status`` is not a status code in 100..599.
        """
        if self.head_sent:
            raise HeadersAlreadySent(f"header {name!r} is set after the output was sent")
        if name.lower() == "status":
            code = value.strip().split(" ", 1)[0]
            if not (code.isdigit() and 100 <= int(code) <= 599):
                raise ValueError(f"Status {value!r} is not an HTTP status")
            self.status = int(code)
            return
        if name.lower() != "set-cookie":
            self.headers = [pair for pair in self.headers if pair[0].lower() != name.lower()]
        self.headers.append((name, value))

    async def send_head(self) -> bool:
        """Send HEAD if it is not sent yet; False once the request is over."""
        if self.closed:
            return False
        if not self.head_sent:
            self.head_sent = True
            if not await self._send(frames.Head(self.status, tuple(self.headers))):
                return False
        return True

    async def send_data(self, chunk: bytes) -> bool:
        """Send ``chunk`` (after HEAD), cut into DATA frames; False once the request is over.

        The first piece goes out in one write with HEAD when HEAD is not sent yet.
        """
        if self.closed:
            return False
        for start in range(0, len(chunk), MAX_CHUNK):
            piece = chunk[start : start + MAX_CHUNK]
            if self.closed:
                return False
            if self.head_sent:
                sent = await self._send(frames.Data(piece))
            else:
                self.head_sent = True
                head = frames.Head(self.status, tuple(self.headers))
                sent = await self._send(head, frames.Data(piece))
            if not sent:
                return False
            self.bytes_sent += len(piece)
        return await self.send_head()  # an empty chunk still sends HEAD

    async def end(
        self, log: list[str], timings: Mapping[str, float], session: SessionOutcome | None = None
    ) -> None:
        """Finish with HEAD (if not sent yet) and END, which reports ``session``."""
        if await self.send_head():
            self.closed = True
            session = session or SessionOutcome()
            end = frames.End(
                self.status,
                tuple(log),
                dict(timings),
                session_id=session.session_id,
                session_created=session.created,
                session_deleted=session.deleted,
            )
            await self._send(end)

    async def fail(self, code: frames.ErrorCode | str, message: str) -> None:
        """Finish with ERROR, whatever was sent before; nothing is sent after it."""
        if self.closed:
            return
        self.closed = True
        await self._send(frames.Error(str(code), message))

    def stop(self) -> None:
        """Refuse every further send without sending anything (the peer is gone)."""
        self.closed = True

    async def _send(self, frame: frames.Frame, *more: frames.Frame) -> bool:
        try:
            await self._writer.send(frame, *more)
        except ConnectionLost:
            self.closed = True
            return False
        return True
