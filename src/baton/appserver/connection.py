"""One broker connection: conversations one after the other, PING and STATUS between them.

A server started with a key (:class:`~baton.protocol.tickets.TicketCheck`) takes nothing from a
connection before a valid HELLO: a first frame of any other kind, or a HELLO that fails the
check, is answered ``ERROR refused`` with the reason, and the connection is closed. A server
without a key takes a first HELLO as a no-op. Either way the check is made once per connection,
before the first conversation. A HELLO anywhere else is out of turn.

A reader task turns the stream into an inbox of frames, so that a CANCEL (or the connection
closing) is seen while a request runs. A protocol error from the reader (a malformed frame, one
too large, an unsupported version) is answered with its ERROR frame, if the connection still
works, and the connection is closed; a well-formed frame out of turn is ``unexpected_frame``,
then closed. Nothing a connection receives can stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from baton.appserver.conversation import Runtime, Stop, converse
from baton.appserver.response import Response
from baton.errors import ConnectionLost, ProtocolError
from baton.protocol import frames
from baton.protocol.frames import ErrorCode
from baton.protocol.stream import FrameReader, FrameWriter
from baton.protocol.tickets import TicketCheck, TicketRefused

logger = logging.getLogger(__name__)

#: What the reader task hands over: a frame, a protocol error, or None for the end of stream.
Item = frames.Frame | ProtocolError | None
Inbox = asyncio.Queue[Item]


class Connection:
    """Serves one connection until it closes, breaks the protocol, or the server drains.

    Args:
        runtime: what the server's conversations share.
        status: builds the STATUS_REPLY frame.
        reader: the connection's reading side.
        writer: the connection's writing side.
        served: called after each request's final frame was sent (the server's once mode).
        tickets: checks the HELLO every connection must open with, or None when the server has
            no key (then a first HELLO is taken and ignored).
    """

    def __init__(
        self,
        runtime: Runtime,
        status: Callable[[], frames.StatusReply],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        served: Callable[[], None] = lambda: None,
        *,
        tickets: TicketCheck | None = None,
    ) -> None:
        self._runtime = runtime
        self._tickets = tickets
        self._status = status
        self._served = served
        self._reader = FrameReader(reader)
        self._writer = FrameWriter(writer)
        self._inbox: Inbox = asyncio.Queue()
        #: A request is being served now.
        self.busy = False
        #: Close after the current request instead of waiting for another.
        self.draining = False

    async def serve(self) -> None:
        """Serve until the connection ends; always closes it."""
        pump = asyncio.create_task(self._pump())
        try:
            async with self._writer:
                await self._serve()
        except ConnectionLost:
            pass
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _pump(self) -> None:
        while True:
            try:
                frame = await self._reader.receive()
            except ProtocolError as exc:
                await self._inbox.put(exc)
                return
            await self._inbox.put(frame)
            if frame is None:
                return

    async def _serve(self) -> None:
        first = await self._inbox.get()
        if not await self._admit(first):
            return
        ahead: list[Item] = [] if isinstance(first, frames.Hello) else [first]
        while not self.draining:
            item = ahead.pop() if ahead else await self._inbox.get()
            match item:
                case None:
                    return
                case ProtocolError():
                    await self._writer.send(frames.Error.from_error(item))
                    return
                case frames.Ping():
                    await self._writer.send(frames.Pong())
                case frames.Status():
                    await self._writer.send(self._status())
                case frames.Cancel():
                    continue  # for a request that already ended: ignored
                case frames.Request():
                    if await self._converse(item):
                        return
                case _:
                    await self._writer.send(_unexpected(item, "from a broker"))
                    return

    async def _admit(self, first: Item) -> bool:
        """Whether the connection whose first item is ``first`` may be served; if not, it was
        answered ``ERROR refused``.

        A first frame other than HELLO is served as usual by a server without a key; the end of
        the connection and a protocol error are handled as usual by any server.
        """
        if isinstance(first, frames.Hello):
            reason = self._refusal(first)
        elif self._tickets is not None and isinstance(first, frames.Frame):
            reason = f"the connection must open with a HELLO frame, not {first.kind.value}"
        else:
            reason = None
        if reason is None:
            return True
        logger.info("connection refused: %s", reason)
        await self._writer.send(frames.Error(ErrorCode.REFUSED, reason))
        return False

    def _refusal(self, hello: frames.Hello) -> str | None:
        """Why ``hello`` is refused, or None when the connection may go on."""
        if self._tickets is None:
            return None
        try:
            self._tickets.check(hello.lease, hello.expires, hello.nonce, hello.time, hello.proof)
        except TicketRefused as exc:
            return str(exc)
        return None

    async def _converse(self, request: frames.Request) -> bool:
        """Serve ``request``; whether the connection must be closed afterwards."""
        stop = Stop()
        response = Response(self._writer)
        watcher = asyncio.create_task(self._watch(request.request_id, stop, response))
        self.busy = True
        try:
            await converse(request, self._runtime, response, stop)
        finally:
            self.busy = False
            self._runtime.slots.served += 1
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        self._served()
        return stop.close

    async def _watch(self, request_id: str, stop: Stop, response: Response) -> None:
        """Read the frames that arrive during a request: CANCEL, or the end of the connection."""
        while True:
            item = await self._inbox.get()
            match item:
                case None:
                    response.stop()
                    stop.request(ErrorCode.CANCELLED, "the broker went away", close=True)
                    return
                case ProtocolError():
                    stop.request(item.code, item.detail, close=True)
                    return
                case frames.Cancel(request_id=cancelled) if cancelled == request_id:
                    stop.request(ErrorCode.CANCELLED, "the request was cancelled")
                case frames.Cancel():
                    continue  # names another request: ignored
                case _:
                    error = _unexpected(item, "during a request")
                    stop.request(error.code, error.message, close=True)
                    return


def _unexpected(frame: frames.Frame, when: str) -> frames.Error:
    message = f"a {frame.kind.value} frame is unexpected {when}"
    return frames.Error(ErrorCode.UNEXPECTED_FRAME, message)
