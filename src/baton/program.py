"""What a Baton program imports: the request it serves and the stream it answers on.

::

    from baton import program

    name = program.params.get("name", "world")
    program.header("Content-Type", "text/plain; charset=utf-8")
    program.webout.write(f"Hello, {name}!\\n")
    program.log.info("greeted %s", name)

The names here are proxies: each reads the request of the code that uses it, held in a
:class:`contextvars.ContextVar` that the application server sets in the worker thread running
the program. Two programs running at once in one server never see each other's fields or output.
A thread the program starts itself does not inherit the request: start it with
:func:`contextvars.copy_context` (``ctx.run``) if it must write to ``webout``.

- ``params``: the request's fields, a read-only multi-dict (:class:`Params`); its ``files`` are
  the uploaded files.
- ``env``: the exported CGI variables the request carried (``REMOTE_USER``, ...).
- ``webout``: the output; ``write`` takes text (sent as UTF-8) or bytes. Output is sent as it is
  written: at every write that ends a line, and whenever 8 KiB are waiting.
- ``header(name, value)``: set a response header before the first byte is sent.
- ``log``: a :class:`logging.Logger`; its lines are returned with the request's END frame.
- ``session``: the request's session (:class:`CurrentSession`): ``session.create(timeout)``,
  ``session.delete()``, ``session.id``, ``session.url``, and a dict that survives between the
  requests of one user on one server (``session["count"] = 1``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote, urlencode

from baton.protocol.frames import UploadedFile

__all__ = [
    "MAX_SESSION_TIMEOUT",
    "CurrentParams",
    "CurrentSession",
    "HeadersAlreadySent",
    "Params",
    "ProgramStopped",
    "env",
    "header",
    "log",
    "params",
    "session",
    "webout",
]

#: The longest a session may stay idle before it expires, in seconds (24 hours).
MAX_SESSION_TIMEOUT = 24 * 3600.0


class HeadersAlreadySent(RuntimeError):
    """``header()`` was called after the program's first output was sent."""


class ProgramStopped(BaseException):
    """The request is over (timeout, cancel, client gone): raised by ``webout.write``.

    It is a ``BaseException`` so that a program's ``except Exception`` does not swallow it.
    """


class Params(Mapping[str, str]):
    """A request's fields: a read-only multi-dict that keeps every value of a repeated field.

    ``params["name"]`` is the first value, ``params.getall("name")`` every value in order;
    ``files`` holds the uploaded files.
    """

    def __init__(
        self, fields: tuple[tuple[str, str], ...] = (), files: tuple[UploadedFile, ...] = ()
    ) -> None:
        values: dict[str, list[str]] = {}
        for name, value in fields:
            values.setdefault(name, []).append(value)
        self._values = {name: tuple(found) for name, found in values.items()}
        self._fields = fields
        self.files = files

    def __getitem__(self, name: str) -> str:
        return self._values[name][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def getall(self, name: str) -> list[str]:
        """Every value of the field ``name``, in the request's order (empty when absent)."""
        return list(self._values.get(name, ()))

    def items_all(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, in the request's order, repeats included."""
        return list(self._fields)


class ResponseSink(Protocol):
    """Where a request's output goes; the application server implements it."""

    def set_header(self, name: str, value: str) -> None:
        """Add or replace a header; raise :class:`HeadersAlreadySent` after the first send."""

    def write(self, data: bytes) -> None:
        """Queue ``data``, sending what is due; raise :class:`ProgramStopped` once it is over."""

    def flush(self) -> None:
        """Send whatever is queued."""


class SessionControl(Protocol):
    """A request's session as the server keeps it; the application server implements it.

    Its methods are called from the program's thread and must be thread safe.
    """

    def current_id(self) -> str | None:
        """The id of the request's live session, or None."""

    def data(self) -> MutableMapping[str, object] | None:
        """The live session's saved dict (shared as is), or None without a live session."""

    def create(self, timeout: float) -> str:
        """Create a session (or re-time the live one) expiring after ``timeout`` idle seconds."""

    def delete(self) -> None:
        """Delete the request's live session, if there is one."""


@dataclass(frozen=True)
class RequestContext:
    """One request as its program sees it.

    Attributes:
        params: the fields and files.
        env: the exported CGI variables.
        sink: the request's output.
        log_lines: the lines logged through :data:`log`, in order.
        session: the request's session, or None where sessions do not exist (outside a server).
    """

    params: Params
    env: Mapping[str, str]
    sink: ResponseSink
    log_lines: list[str] = field(default_factory=list)
    session: SessionControl | None = None


_current: ContextVar[RequestContext] = ContextVar("baton_program_request")


def bind(context: RequestContext) -> None:
    """Make ``context`` the request of the running context (the server calls this)."""
    _current.set(context)


def current() -> RequestContext:
    """The request of the running code.

    Raises:
        LookupError: no request is bound (the code does not run under an application server).
    """
    try:
        return _current.get()
    except LookupError:
        raise LookupError("baton.program is used outside a request") from None


class CurrentParams(Mapping[str, str]):
    """``params``: the running request's :class:`Params`, with the same methods."""

    def __getitem__(self, name: str) -> str:
        return current().params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(current().params)

    def __len__(self) -> int:
        return len(current().params)

    def getall(self, name: str) -> list[str]:
        """Every value of the field ``name``, in the request's order (empty when absent)."""
        return current().params.getall(name)

    def items_all(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, in the request's order, repeats included."""
        return current().params.items_all()

    @property
    def files(self) -> tuple[UploadedFile, ...]:
        """The uploaded files."""
        return current().params.files


class _EnvProxy(Mapping[str, str]):
    """``env``: the running request's CGI variables."""

    def __getitem__(self, name: str) -> str:
        return current().env[name]

    def __iter__(self) -> Iterator[str]:
        return iter(current().env)

    def __len__(self) -> int:
        return len(current().env)


class Webout:
    """``webout``: the running request's output stream (text is encoded as UTF-8)."""

    def write(self, data: str | bytes | bytearray) -> int:
        """Send ``data`` to the client (soon: see the module's docstring); returns its length.

        Raises:
            ProgramStopped: the request is over; the program should end.
        """
        chunk = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        current().sink.write(chunk)
        return len(data)

    def writelines(self, lines: list[str] | list[bytes]) -> None:
        """Write each of ``lines`` (no separators are added)."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Send what is waiting now."""
        current().sink.flush()

    def writable(self) -> bool:
        """Always true: ``webout`` is an output stream."""
        return True


def header(name: str, value: str) -> None:
    """Set the response header ``name`` (replacing one of that name) before the first write.

    ``Set-Cookie`` is added rather than replaced. ``Status`` (CGI style, ``"404 Not Found"``)
    sets the response's status instead of a header.

    Raises:
        HeadersAlreadySent: output was already sent, with its headers.
    """
    current().sink.set_header(name, value)


class CurrentSession(MutableMapping[str, object]):
    """``session``: the running request's session, and its saved dict.

    The dict (``session["count"] = 1``, ``session.get("count")``, ``"count" in session``,
    ``del session["count"]``) is the same object for every request of the session: requests of
    one session that run at once share it without a lock. Using it without a live session raises
    ``RuntimeError``: call :meth:`create` first.
    """

    def _data(self) -> MutableMapping[str, object]:
        control = current().session
        data = control.data() if control is not None else None
        if data is None:
            raise RuntimeError("no session: call session.create() first")
        return data

    def __getitem__(self, key: str) -> object:
        return self._data()[key]

    def __setitem__(self, key: str, value: object) -> None:
        self._data()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def create(self, timeout: float = 900.0) -> str:
        """Create a session for this request's user on this server; its id.

        When the request already has a live session, only its timeout changes.

        Args:
            timeout: seconds the session lives after the end of its last request.

        Raises:
            ValueError: ``timeout`` is not in (0, 24 h].
            RuntimeError: the code does not run under an application server.
        """
        if not (math.isfinite(timeout) and 0 < timeout <= MAX_SESSION_TIMEOUT):
            raise ValueError(
                f"a session timeout is more than 0 and at most {MAX_SESSION_TIMEOUT:g} s,"
                f" not {timeout!r}"
            )
        control = current().session
        if control is None:
            raise RuntimeError("sessions are not available outside an application server")
        return control.create(float(timeout))

    def delete(self) -> None:
        """Delete the request's session (nothing happens without one)."""
        control = current().session
        if control is not None:
            control.delete()

    @property
    def id(self) -> str | None:
        """The id of the request's live session (its ``_SESSIONID``), or None."""
        control = current().session
        return control.current_id() if control is not None else None

    @property
    def active(self) -> bool:
        """Whether the request has a live session."""
        return self.id is not None

    @property
    def url(self) -> str | None:
        """The URL that reaches this session (``_THISSESSION``), or None without one.

        ``{SCRIPT_NAME}?_SERVICE={service}&_SESSIONID={id}``, URL-encoded: ``SCRIPT_NAME``
        from the request's environment (``/broker`` when absent), the service from its
        ``_SERVICE`` field (left out when the request has none).
        """
        context = current()
        session_id = self.id
        if session_id is None:
            return None
        script = quote(context.env.get("SCRIPT_NAME", "/broker"), safe="/")
        query: list[tuple[str, str]] = []
        service = context.params.get("_SERVICE")
        if service is not None:
            query.append(("_SERVICE", service))
        query.append(("_SESSIONID", session_id))
        return f"{script}?{urlencode(query)}"


class _LogHandler(logging.Handler):
    """Appends each record to the running request's log lines."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            context = _current.get()
        except LookupError:
            return
        try:
            context.log_lines.append(self.format(record))
        except Exception:
            self.handleError(record)


def _program_logger() -> logging.Logger:
    logger = logging.getLogger("baton.program")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    if not any(isinstance(handler, _LogHandler) for handler in logger.handlers):
        handler = _LogHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.addHandler(handler)
    return logger


params = CurrentParams()
env: Mapping[str, str] = _EnvProxy()
webout = Webout()
log = _program_logger()
session = CurrentSession()
