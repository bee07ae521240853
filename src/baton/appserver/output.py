"""A program's output, from its worker thread to the event loop, line by line.

:class:`ProgramOutput` is the :class:`~baton.program.ResponseSink` of an in-process program. It
buffers writes and hands them to the loop's :class:`~baton.appserver.response.Response` at every
write that ends a line and whenever :data:`FLUSH_SIZE` bytes wait; the worker thread waits
until the frame is written (so a slow broker slows the program down instead of filling memory).
Once the request is stopped every write raises :class:`~baton.program.ProgramStopped`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable

from baton.appserver.response import Response
from baton.program import ProgramStopped

#: Bytes buffered before they are sent even without a newline.
FLUSH_SIZE = 8 * 1024


class ProgramOutput:
    """The worker thread's side of a :class:`Response`.

    Args:
        response: the request's response, owned by ``loop``.
        loop: the server's event loop.
    """

    def __init__(self, response: Response, loop: asyncio.AbstractEventLoop) -> None:
        self._response = response
        self._loop = loop
        self._buffer = bytearray()
        #: Whether the program sent any byte of its own.
        self.wrote = False

    def set_header(self, name: str, value: str) -> None:
        """Add or replace a header before the head is sent (see ``Response.set_header``)."""
        self._response.set_header(name, value)

    def write(self, data: bytes) -> None:
        """Buffer ``data``; send the buffer when it ends a line or is full.

        Raises:
            ProgramStopped: the request is over.
        """
        if self._response.closed:
            raise ProgramStopped("the request is over")
        if not data:
            return
        self.wrote = True
        self._buffer += data
        if b"\n" in data or len(self._buffer) >= FLUSH_SIZE:
            self.flush()

    def flush(self) -> None:
        """Send what is buffered (the head first).

        Raises:
            ProgramStopped: the request is over.
        """
        chunk = bytes(self._buffer)
        self._buffer.clear()
        if chunk:
            self._call(lambda: self._response.send_data(chunk))

    def finish(self) -> None:
        """Send what is buffered, and the head even when the program wrote nothing."""
        self.flush()
        if not self._response.head_sent:  # set on the loop before it sends; never unset
            self._call(self._response.send_head)

    def _call(self, send: Callable[[], Awaitable[bool]]) -> None:
        async def run() -> bool:
            return await send()

        try:
            sent = asyncio.run_coroutine_threadsafe(run(), self._loop).result()
        except (RuntimeError, concurrent.futures.CancelledError) as exc:  # the server is exiting
            raise ProgramStopped("the server is stopping") from exc
        if not sent:
            raise ProgramStopped("the request is over")
