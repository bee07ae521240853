"""A broker request's fields: the query string and, for POST, the form in the body.

:func:`read_form` reads both into one :class:`Form`: query fields first, then body fields, in the
client's order, repeats and blank values kept. The body is streamed from ``receive()`` and refused
as soon as it passes ``max_body`` bytes. Text must be UTF-8 (after percent-decoding); NUL
characters pass through, because only the application server knows whether the program can take
them (an executable cannot: its environment is C strings).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.types import Receive, Scope

from baton.errors import BodyTooLarge, MalformedBody
from baton.protocol.frames import UploadedFile

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
#: The content type of an uploaded file whose part names none.
DEFAULT_FILE_TYPE = "application/octet-stream"

#: RFC 2046 section 5.1.1: 1 to 70 characters, the last not a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
#: Client text shown in an error sentence is cut here.
_SHOWN = 80


class ClientDisconnected(Exception):
    """The client went away before its request body was read in full.

    Not a :class:`~baton.errors.BatonError`: nobody is left to answer, so the broker only stops.
    """


@dataclass(frozen=True, slots=True)
class Form:
    """The fields and files of one request.

    Attributes:
        fields: every field in order (query first, then body), reserved ones included, with their
            names as sent; a repeated field appears once per value.
        files: the uploaded files, in order.
    """

    fields: tuple[tuple[str, str], ...] = ()
    files: tuple[UploadedFile, ...] = ()

    def reserved(self, name: str) -> str | None:
        """The first value of a reserved field, its name matched case-insensitively.

        Args:
            name: the reserved name, such as ``"_PROGRAM"``; ``_program`` and ``_Program`` match.

        Returns:
            The first value sent under that name (possibly empty), or None when there is none.
        """
        wanted = name.upper()
        for field, value in self.fields:
            # ASCII only: str.upper() folds "ſ" to "S", so "_ſERVICE" would pass for "_SERVICE".
            if field.isascii() and field.upper() == wanted:
                return value
        return None

    @property
    def service(self) -> str | None:
        """``_SERVICE``: the service to run the program on (None: the default service)."""
        return self.reserved("_SERVICE")

    @property
    def program(self) -> str | None:
        """``_PROGRAM``: the program to run, ``library.name``."""
        return self.reserved("_PROGRAM")

    @property
    def debug(self) -> str | None:
        """``_DEBUG``: the debug flags as sent, before :func:`baton.broker.debug.parse_debug`."""
        return self.reserved("_DEBUG")

    @property
    def session_id(self) -> str | None:
        """``_SESSIONID``: the session the request continues."""
        return self.reserved("_SESSIONID")

    @property
    def is_empty(self) -> bool:
        """No field and no file at all: the broker shows its welcome page."""
        return not self.fields and not self.files


async def read_form(scope: Scope, receive: Receive, *, max_body: int) -> Form:
    """Read a request's query string and, for POST, its urlencoded or multipart body.

    Args:
        scope: the ASGI HTTP scope.
        receive: the ASGI receive callable; called until the body ends (POST only).
        max_body: the largest body accepted, in bytes.

    Returns:
        The query fields followed by the body's fields, and the uploaded files.

    Raises:
        BodyTooLarge: the body (or its declared Content-Length) is over ``max_body``; raised as soon
            as the limit is passed, without buffering more.
        MalformedBody: a body of another content type, a body without one, a malformed multipart
            body, or a field name or value that is not UTF-8 (the sentence names the field).
        ClientDisconnected: the client disconnected before the body ended.
    """
    query = scope.get("query_string", b"")
    fields = parse_urlencoded(query if isinstance(query, bytes) else b"")
    if scope.get("method") != "POST":
        return Form(tuple(fields))
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise BodyTooLarge(max_body)
    content_type = _header(scope, b"content-type")
    kind, options = parse_options_header(content_type or None)
    files: list[UploadedFile] = []
    if kind == URLENCODED.encode():
        body = bytearray()
        await _receive_body(receive, max_body, body.extend)
        fields += parse_urlencoded(bytes(body))
    elif kind == MULTIPART.encode():
        multipart = _MultipartForm(options.get(b"boundary"))
        received = await _receive_body(receive, max_body, multipart.write)
        if received:
            multipart.finish()
        fields += multipart.fields
        files = multipart.files
    elif not kind:
        if await _receive_body(receive, max_body, lambda chunk: None):
            raise MalformedBody("the request body has no Content-Type")
    else:
        shown = _shorten(kind.decode("latin-1"))
        raise MalformedBody(
            f"a body of type {shown!r} is not a form (send {URLENCODED} or {MULTIPART})"
        )
    return Form(tuple(fields), tuple(files))


def parse_urlencoded(data: bytes) -> list[tuple[str, str]]:
    """Split ``application/x-www-form-urlencoded`` bytes (or a query string) into fields.

    Blank values are kept (``a=&b`` gives ``a`` and ``b``, both ``""``); pieces split on ``&``
    only; ``+`` is a space; invalid percent escapes stay as they are, as browsers leave them.

    Raises:
        MalformedBody: a name or value is not UTF-8 after percent-decoding.
    """
    fields: list[tuple[str, str]] = []
    for piece in data.split(b"&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        name = _field_text(unquote_to_bytes(raw_name.replace(b"+", b" ")), None)
        value = _field_text(unquote_to_bytes(raw_value.replace(b"+", b" ")), name)
        fields.append((name, value))
    return fields


class _MultipartForm:
    """Fields and files from a ``multipart/form-data`` body written to it chunk by chunk."""

    def __init__(self, boundary: bytes | None) -> None:
        if boundary is None:
            raise MalformedBody(f"a {MULTIPART} body needs a boundary parameter")
        if not _BOUNDARY.fullmatch(boundary.decode("latin-1")):
            raise MalformedBody(f"the {MULTIPART} boundary is not valid (RFC 2046)")
        self.fields: list[tuple[str, str]] = []
        self.files: list[UploadedFile] = []
        self._ended = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._data = bytearray()
        self._name = ""
        self._filename: str | None = None
        self._content_type = DEFAULT_FILE_TYPE
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def write(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise MalformedBody(f"the {MULTIPART} body is malformed: {exc}") from exc

    def finish(self) -> None:
        # python-multipart accepts a body that stops short; a form cut in the middle is not one.
        if not self._ended:
            raise MalformedBody(f"the {MULTIPART} body ends before its closing boundary")

    def _part_begin(self) -> None:
        self._headers = []
        self._data = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers.append((bytes(self._header_name).lower(), bytes(self._header_value)))
        self._header_name = bytearray()
        self._header_value = bytearray()

    def _headers_finished(self) -> None:
        headers = dict(self._headers)
        disposition = headers.get(b"content-disposition")
        if disposition is None:
            raise MalformedBody(f"a part of the {MULTIPART} body has no Content-Disposition")
        kind, options = parse_options_header(disposition.decode("latin-1"))
        raw_name = options.get(b"name")
        if kind != b"form-data" or raw_name is None:
            raise MalformedBody(f"a part of the {MULTIPART} body is not a named form-data part")
        self._name = _field_text(raw_name, None)
        raw_filename = options.get(b"filename")
        self._filename = None if raw_filename is None else _field_text(raw_filename, self._name)
        content_type = headers.get(b"content-type", b"").decode("latin-1").strip()
        self._content_type = content_type or DEFAULT_FILE_TYPE

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def _part_end(self) -> None:
        content = bytes(self._data)
        if self._filename is None:
            self.fields.append((self._name, _field_text(content, self._name)))
        else:
            self.files.append(UploadedFile(self._name, self._filename, self._content_type, content))

    def _end(self) -> None:
        self._ended = True


async def _receive_body(receive: Receive, max_body: int, sink: Callable[[bytes], None]) -> int:
    """Pass each body chunk to ``sink``; returns the body's length."""
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        if message["type"] != "http.request":
            continue
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > max_body:
            raise BodyTooLarge(max_body)
        if chunk:
            sink(chunk)
        if not message.get("more_body", False):
            return received


def _field_text(raw: bytes, name: str | None) -> str:
    """``raw`` as UTF-8; ``name`` is the field it is the value of, None when it is a name."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = name if name is not None else raw.decode("utf-8", "backslashreplace")
        raise MalformedBody(f"field {_shorten(shown)!r} is not valid UTF-8") from None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _shorten(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."
