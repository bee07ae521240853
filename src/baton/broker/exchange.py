"""One forwarded request: REQUEST to the server, its answer streamed to the client.

:class:`Exchange` sends the REQUEST on a connection to the leased server and turns the answer
into ASGI messages as it arrives: HEAD becomes the response start (after
:func:`~baton.broker.headers.check_headers`), each DATA a body chunk sent at once (so the
browser sees a program's first line while it still runs), END the end of the body (with the
debug trailer, for HTML). An ERROR before HEAD becomes the broker's error page; after HEAD the
response is cut short. If the client goes away, the server is sent CANCEL and the conversation
is read to its end, so the server's slot and the connection are freed, not leaked. A
connection that breaks, or a server silent past the request's deadline, is a lost server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.types import Message, Receive, Send

from baton.api.errors import status_of
from baton.broker.debug import DebugFlag
from baton.broker.headers import check_headers
from baton.broker.pages import debug_trailer
from baton.errors import BadProgramHeader, ProtocolError
from baton.loadmanager.connection import REUSABLE_CODES, ServerConnection, error_of
from baton.protocol import frames
from baton.protocol.frames import ErrorCode

logger = logging.getLogger(__name__)

#: Seconds past its deadline a server may stay silent before it counts as lost.
DEADLINE_MARGIN = 10.0
#: Seconds a cancelled conversation has to reach its final frame.
CANCEL_PATIENCE = 5.0

#: Renders an error page: (status, code, detail) -> sent.
ErrorResponder = Callable[[int, str, str], Awaitable[None]]


@dataclass
class Result:
    """How a forwarded request went.

    Attributes:
        status: the HTTP status sent to the client (0 if none was sent).
        error: an error code, "" when the program succeeded.
        bytes_sent: body bytes sent.
        lost: the server broke the conversation (it must be replaced).
        timed_out: the program ran past its deadline.
        reusable: the connection may serve another request.
        session_created: the session the program created.
        session_ended: the session that ended (deleted, or unknown to the server).
        log: the program's log lines.
        timings: the server's timings.
    """

    status: int = 0
    error: str = ""
    bytes_sent: int = 0
    lost: bool = False
    timed_out: bool = False
    reusable: bool = False
    session_created: str | None = None
    session_ended: str | None = None
    log: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Debugging:
    """What the debug flags add to an HTML answer.

    Attributes:
        flags: the flags left after the service's mask.
        fields: the fields received (FIELDS).
        began: when the broker received the request (TIME), monotonic seconds.
        hostport: the server's address (HOSTPORT).
        trace: the broker's steps so far (TRACE, SERVICES).
    """

    flags: DebugFlag
    fields: tuple[tuple[str, str], ...] = ()
    began: float = 0.0
    hostport: str = ""
    trace: tuple[str, ...] = ()


class Exchange:
    """Forwards ``request`` over ``connection`` and streams the answer to the client.

    Args:
        connection: an open connection to the leased server.
        request: the REQUEST frame.
        receive: the client's ASGI receive (to notice a disconnect).
        send: the client's ASGI send.
        error_page: sends an error page (before anything else was sent).
        debugging: what the debug flags add.
        service: the service the request runs on.
    """

    def __init__(
        self,
        connection: ServerConnection,
        request: frames.Request,
        receive: Receive,
        send: Send,
        error_page: ErrorResponder,
        debugging: Debugging,
        service: str,
    ) -> None:
        self._service = service
        self._connection = connection
        self._request = request
        self._receive = receive
        self._send = send
        self._error_page = error_page
        self._debugging = debugging
        self._client_gone = asyncio.Event()
        self._timeout: asyncio.Timeout | None = None
        self._html = False
        self.result = Result()

    async def run(self) -> Result:
        """Forward, stream, and say how it went (never raises for a server's fault)."""
        watcher = asyncio.create_task(self._watch_client())
        try:
            await self._run()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        return self.result

    async def _run(self) -> None:
        request = self._request
        loop = asyncio.get_running_loop()
        limit = loop.time() + request.deadline + DEADLINE_MARGIN
        try:
            await self._connection.send(request)
        except ProtocolError as exc:
            await self._lose(f"the request could not be sent: {exc.detail}")
            return
        head_sent = False
        try:
            async with asyncio.timeout_at(limit) as self._timeout:
                while True:
                    frame = await self._connection.receive()
                    match frame:
                        case frames.Head() if not head_sent:
                            if not await self._start(frame):
                                return
                            head_sent = True
                        case frames.Data() if head_sent:
                            await self._body(frame.chunk, more=True)
                        case frames.End() if head_sent:
                            self._end(frame)
                            await self._body(self._trailer(frame), more=False)
                            return
                        case frames.Error():
                            await self._failed(frame, head_sent)
                            return
                        case _:
                            await self._lose(f"a {frame.kind.value} frame came out of turn")
                            return
        except TimeoutError:
            problem = "the server did not answer within the request's deadline"
            if self._client_gone.is_set():
                problem = "the server did not end the cancelled request in time"
            await self._lose(problem)
        except ProtocolError as exc:
            await self._lose(exc.detail)

    async def _cancel(self) -> None:
        """The client went away: stop the program, and give it a short while to end."""
        self.result.error = "client_disconnected"
        timeout = self._timeout
        if timeout is not None:
            loop = asyncio.get_running_loop()
            when = timeout.when()
            patience = loop.time() + CANCEL_PATIENCE
            timeout.reschedule(patience if when is None else min(when, patience))
        with contextlib.suppress(ProtocolError):  # the reading side will see it go
            await self._connection.send(frames.Cancel(self._request.request_id))

    async def _start(self, head: frames.Head) -> bool:
        try:
            headers = check_headers(self._request.program, head.status, head.headers)
        except BadProgramHeader as exc:
            logger.warning("%s", exc.detail)
            with contextlib.suppress(ProtocolError):
                await self._connection.send(frames.Cancel(self._request.request_id))
            self.result.error = exc.code
            self.result.status = 502
            self.result.reusable = False
            await self._error_page(502, exc.code, exc.detail)
            return False
        content_type = next((v for n, v in headers if n == b"content-type"), b"")
        self._html = content_type.lower().startswith(b"text/html")
        if self._debugging.flags & DebugFlag.DUMP:
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
        headers.append((b"x-request-id", self._request.request_id.encode()))
        await self._emit({"type": "http.response.start", "status": head.status, "headers": headers})
        self.result.status = head.status
        if self._debugging.flags & DebugFlag.DUMP:
            lines = [f"Status: {head.status}"] + [f"{n}: {v}" for n, v in head.headers]
            await self._body(("\n".join(lines) + "\n\n").encode("utf-8", "replace"), more=True)
        return True

    async def _body(self, chunk: bytes, *, more: bool) -> None:
        await self._emit({"type": "http.response.body", "body": chunk, "more_body": more})
        self.result.bytes_sent += len(chunk)

    async def _emit(self, message: Message) -> None:
        if self._client_gone.is_set():
            return
        try:
            await self._send(message)
        except (OSError, RuntimeError):
            self._client_gone.set()

    def _end(self, end: frames.End) -> None:
        result = self.result
        result.reusable = True
        result.log = end.log
        result.timings = dict(end.timings)
        if end.session_created and end.session_id is not None:
            result.session_created = end.session_id
        if end.session_deleted and self._request.session_id is not None:
            result.session_ended = self._request.session_id

    def _trailer(self, end: frames.End) -> bytes:
        debugging = self._debugging
        if not self._html or not debugging.flags & ~DebugFlag.DUMP:
            return b""
        return debug_trailer(
            debugging.flags,
            fields=debugging.fields,
            elapsed=time.monotonic() - debugging.began,
            log_lines=end.log,
            hostport=debugging.hostport,
            trace=debugging.trace,
        )

    async def _failed(self, error: frames.Error, head_sent: bool) -> None:
        result = self.result
        request = self._request
        answer = error_of(
            error, program=request.program, service=self._service, timeout=request.deadline
        )
        status = status_of(answer)
        if not self._client_gone.is_set():
            result.error = answer.code
        result.reusable = error.code in REUSABLE_CODES
        result.timed_out = error.code == ErrorCode.TIMEOUT
        if error.code == ErrorCode.SESSION_NOT_FOUND:
            result.session_ended = self._request.session_id
        if error.code not in REUSABLE_CODES:
            result.lost = error.code != ErrorCode.UNEXPECTED_FRAME
        if head_sent:
            logger.warning("%s failed after its head: %s", self._request.program, error.message)
            await self._body(b"", more=False)  # the answer is cut short; the record says why
            return
        result.status = status
        await self._error_page(status, answer.code, answer.detail)

    async def _lose(self, problem: str) -> None:
        logger.warning("server lost while running %s: %s", self._request.program, problem)
        result = self.result
        result.lost, result.reusable, result.error = True, False, "server_lost"
        if result.status == 0:
            result.status = 502
            detail = f"the server running {self._request.program!r} was lost: {problem}"
            await self._error_page(502, "server_lost", detail)
        else:
            await self._body(b"", more=False)

    async def _watch_client(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._client_gone.set()
                await self._cancel()
                return
