"""One broker connection: conversations one after the other, PING and STATUS between them.

A reader task turns the stream into an inbox of frames, so that a CANCEL (or the connection
closing) is seen while a request runs. A protocol error from the reader (a malformed frame, one
too large, an unsupported version) is answered with its ERROR frame, if the connection still
works, and the connection is closed; a well-formed frame out of turn is ``unexpected_frame``,
then closed. Nothing a connection receives can stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from baton.appserver.conversation import Runtime, Stop, converse
from baton.appserver.response import Response
from baton.errors import ConnectionLost, ProtocolError
from baton.protocol import frames
from baton.protocol.frames import ErrorCode
from baton.protocol.stream import FrameReader, FrameWriter

Inbox = asyncio.Queue[frames.Frame | ProtocolError | None]


class Connection:
    """Serves one connection until it closes, breaks the protocol, or the server drains.

    Args:
        runtime: what the server's conversations share.
        status: builds the STATUS_REPLY frame.
        reader: the connection's reading side.
        writer: the connection's writing side.
        served: called after each request's final frame was sent (the server's once mode).
    """

    def __init__(
        self,
        runtime: Runtime,
        status: Callable[[], frames.StatusReply],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        served: Callable[[], None] = lambda: None,
    ) -> None:
        self._runtime = runtime
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
        while not self.draining:
            item = await self._inbox.get()
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
