"""The frames the broker and the application servers exchange, one frozen dataclass per kind.

A connection may open with :class:`Hello`, the client's proof that it may connect (a server
started with a key requires it; see :mod:`baton.protocol.tickets`). A request is one
conversation on a connection: the broker sends :class:`Request`; the server answers
:class:`Head`, any number of :class:`Data`, then :class:`End`, or :class:`Error` at any point
instead of the next frame. :class:`Cancel` stops a request; :class:`Ping`/:class:`Pong` and
:class:`Status`/:class:`StatusReply` serve the reserved programs between requests. The wire
format and the conversation are in docs/protocol.md.

Constructors check what the types cannot say (a status in 100..599, a finite deadline, counts
that fit in 64 bits) and raise :class:`~baton.errors.MalformedFrame`, so a frame that exists can
be sent, and a decoded frame went through the same checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, TypeAlias

from baton.errors import MalformedFrame, ProtocolError

#: The protocol version this side writes into every frame.
PROTOCOL_VERSION = 1
#: The versions this side accepts; any other is :class:`~baton.errors.UnsupportedVersion`.
SUPPORTED_VERSIONS: tuple[int, ...] = (1,)
#: Seconds a request may run when the broker does not say otherwise.
DEFAULT_DEADLINE = 300.0
#: The largest integer a count, a pid or the debug flags may hold (msgpack's signed 64 bits).
MAX_INT = 2**63 - 1


class FrameKind(StrEnum):
    """The kinds of frames; the value is what the ``kind`` key holds on the wire."""

    HELLO = "HELLO"
    REQUEST = "REQUEST"
    HEAD = "HEAD"
    DATA = "DATA"
    END = "END"
    ERROR = "ERROR"
    CANCEL = "CANCEL"
    PING = "PING"
    PONG = "PONG"
    STATUS = "STATUS"
    STATUS_REPLY = "STATUS_REPLY"


#: What the broker sends (ERROR only to answer a protocol error, before it closes).
FROM_BROKER = frozenset(
    {
        FrameKind.HELLO,
        FrameKind.REQUEST,
        FrameKind.CANCEL,
        FrameKind.PING,
        FrameKind.STATUS,
        FrameKind.ERROR,
    }
)
#: What an application server sends.
FROM_SERVER = frozenset(
    {
        FrameKind.HEAD,
        FrameKind.DATA,
        FrameKind.END,
        FrameKind.ERROR,
        FrameKind.PONG,
        FrameKind.STATUS_REPLY,
    }
)
#: The frames that end a request's conversation.
FINAL = frozenset({FrameKind.END, FrameKind.ERROR})


class ErrorCode(StrEnum):
    """The codes an :class:`Error` frame carries; receivers treat unknown codes as ``INTERNAL``.

    The first three are the :class:`~baton.errors.ProtocolError` codes: after one of them the
    sender closes the connection, as it does after ``unexpected_frame``, ``refused`` and
    ``internal``. Adding a code is not a protocol version change.
    """

    MALFORMED_FRAME = "malformed_frame"
    FRAME_TOO_LARGE = "frame_too_large"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNEXPECTED_FRAME = "unexpected_frame"  # a well-formed frame out of turn
    REFUSED = "refused"  # the connection did not prove it may connect
    PROGRAM_NOT_FOUND = "program_not_found"
    BAD_INPUT = "bad_input"
    PROGRAM_FAILED = "program_failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    BUSY = "busy"
    SESSION_NOT_FOUND = "session_not_found"
    INTERNAL = "internal"


def _check(ok: bool, kind: FrameKind, name: str, reason: str) -> None:
    if not ok:
        raise MalformedFrame(reason, kind=kind.value, field=name)


def _check_text(value: str, kind: FrameKind, name: str) -> None:
    _check(value != "", kind, name, "must not be empty")


def _check_status(value: int, kind: FrameKind) -> None:
    _check(100 <= value <= 599, kind, "status", f"{value} is not an HTTP status (100..599)")


def _check_count(value: int, kind: FrameKind, name: str, high: int = MAX_INT) -> None:
    _check(0 <= value <= high, kind, name, f"{value} is not in 0..{high}")


def _check_seconds(value: float, kind: FrameKind, name: str, *, positive: bool = False) -> None:
    ok = math.isfinite(value) and (value > 0 if positive else value >= 0)
    _check(ok, kind, name, f"{value} is not a {'positive' if positive else 'non-negative'} time")


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file posted with a request: its form field, its name and type as the client sent them."""

    field: str
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Hello:
    """The client proves that it may connect: the first frame of a connection (broker -> server).

    A server started with a key refuses a connection that does not open with a valid HELLO; one
    without a key takes it as a no-op. Build it with :func:`baton.protocol.tickets.hello_for`.

    Attributes:
        lease: the id of the lease the client holds.
        expires: when the lease expires (Unix time, seconds).
        nonce: a random text, new for every connection (a replayed HELLO is refused).
        time: the client's clock when it sent the frame (Unix time, seconds).
        proof: ``HMAC-SHA256(secret, "NONCE.TIME")`` in hex, the lease's secret as the key.
    """

    kind: ClassVar[FrameKind] = FrameKind.HELLO
    lease: str
    expires: int
    nonce: str
    time: int
    proof: str

    def __post_init__(self) -> None:
        for name in ("lease", "nonce", "proof"):
            _check_text(getattr(self, name), self.kind, name)
        _check_count(self.expires, self.kind, "expires")
        _check_count(self.time, self.kind, "time")


@dataclass(frozen=True, slots=True)
class Request:
    """Run ``program`` with these fields: the first frame of a conversation (broker -> server).

    Attributes:
        request_id: the broker's id for the request; :class:`Cancel` names it.
        program: ``library.name`` as the client gave it; the server resolves it.
        fields: name/value pairs in the client's order; a repeated field keeps every value.
        files: uploaded files.
        env: the exported CGI variables (``REMOTE_USER``, ``REMOTE_ADDR``, ...).
        user: the authenticated user's name, or None for an anonymous request.
        session_id: the ``_SESSIONID`` the request carries, or None.
        debug: the ``_DEBUG`` flags the broker let through (after the service's mask).
        deadline: seconds the request may run, counted from when the server reads the frame.
    """

    kind: ClassVar[FrameKind] = FrameKind.REQUEST
    request_id: str
    program: str
    fields: tuple[tuple[str, str], ...] = ()
    files: tuple[UploadedFile, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    user: str | None = None
    session_id: str | None = None
    debug: int = 0
    deadline: float = DEFAULT_DEADLINE

    def __post_init__(self) -> None:
        _check_text(self.request_id, self.kind, "request_id")
        _check_text(self.program, self.kind, "program")
        _check_count(self.debug, self.kind, "debug", 2**32 - 1)
        _check_seconds(self.deadline, self.kind, "deadline", positive=True)


@dataclass(frozen=True, slots=True)
class Head:
    """The response's status and headers, before any :class:`Data` (server -> broker)."""

    kind: ClassVar[FrameKind] = FrameKind.HEAD
    status: int
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _check_status(self.status, self.kind)


@dataclass(frozen=True, slots=True)
class Data:
    """A piece of the response body, as the program wrote it (server -> broker)."""

    kind: ClassVar[FrameKind] = FrameKind.DATA
    chunk: bytes


@dataclass(frozen=True, slots=True)
class End:
    """The request finished (server -> broker); the conversation is over.

    Attributes:
        status: the status the request is recorded with (the head's, unless the program failed
            after its head was sent).
        log: the lines the program logged (returned to the client with ``_DEBUG=LOG``).
        timings: named durations in seconds (``"run"``, ...).
        session_id: the session the request ended with, or None.
        session_created: the program created ``session_id`` during this request.
        session_deleted: the program deleted its session during this request.
    """

    kind: ClassVar[FrameKind] = FrameKind.END
    status: int
    log: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    session_id: str | None = None
    session_created: bool = False
    session_deleted: bool = False

    def __post_init__(self) -> None:
        _check_status(self.status, self.kind)
        for name, seconds in self.timings.items():
            _check_seconds(seconds, self.kind, f"timings[{name!r}]")


@dataclass(frozen=True, slots=True)
class Error:
    """The request, or the connection, failed; it ends the conversation (either direction).

    ``code`` is one of :class:`ErrorCode` (a newer peer may send others); ``message`` is a
    sentence for the log, never shown to a client unescaped.
    """

    kind: ClassVar[FrameKind] = FrameKind.ERROR
    code: str
    message: str = ""

    def __post_init__(self) -> None:
        _check_text(self.code, self.kind, "code")

    @classmethod
    def from_error(cls, error: ProtocolError) -> Error:
        """The frame that answers a protocol error before the connection is closed."""
        return cls(code=error.code, message=error.detail)


@dataclass(frozen=True, slots=True)
class Cancel:
    """Stop the request ``request_id`` (broker -> server); the server ends it with an error."""

    kind: ClassVar[FrameKind] = FrameKind.CANCEL
    request_id: str

    def __post_init__(self) -> None:
        _check_text(self.request_id, self.kind, "request_id")


@dataclass(frozen=True, slots=True)
class Ping:
    """Are you there? (broker -> server, between requests); answered by :class:`Pong`."""

    kind: ClassVar[FrameKind] = FrameKind.PING


@dataclass(frozen=True, slots=True)
class Pong:
    """The answer to :class:`Ping`."""

    kind: ClassVar[FrameKind] = FrameKind.PONG


@dataclass(frozen=True, slots=True)
class Status:
    """How are you? (broker -> server, between requests); answered by :class:`StatusReply`."""

    kind: ClassVar[FrameKind] = FrameKind.STATUS


@dataclass(frozen=True, slots=True)
class StatusReply:
    """The server's state, for ``_PROGRAM=STATUS`` and the load manager.

    Attributes:
        pid: the server's process id.
        capacity: how many programs it runs at once (``PROGRAMS=n``).
        active: how many requests it is running now.
        served: how many requests it has finished since it started.
        sessions: how many live sessions it holds.
        uptime: seconds since it started.
    """

    kind: ClassVar[FrameKind] = FrameKind.STATUS_REPLY
    pid: int
    capacity: int
    active: int
    served: int
    sessions: int
    uptime: float

    def __post_init__(self) -> None:
        for name in ("pid", "capacity", "active", "served", "sessions"):
            _check_count(getattr(self, name), self.kind, name)
        _check_seconds(self.uptime, self.kind, "uptime")


Frame: TypeAlias = (
    Hello | Request | Head | Data | End | Error | Cancel | Ping | Pong | Status | StatusReply
)

#: The dataclass of each kind.
FRAME_TYPES: Mapping[FrameKind, type[Frame]] = MappingProxyType(
    {
        cls.kind: cls
        for cls in (
            Hello,
            Request,
            Head,
            Data,
            End,
            Error,
            Cancel,
            Ping,
            Pong,
            Status,
            StatusReply,
        )
    }
)
