"""Checking the header block a program sent (its HEAD frame) before the broker forwards it.

A program's headers reach the browser under the broker's origin, so a malformed one is not passed
on in the hope that the HTTP server copes: :func:`check_headers` refuses the whole block with
:class:`~baton.errors.BadProgramHeader` (a 502), naming the first header at fault.

The rules:

- at most :data:`MAX_HEADERS` headers; names are RFC 9110 tokens of at most :data:`MAX_NAME`
  characters; values at most :data:`MAX_VALUE` characters, Latin-1, without control characters
  (CR, LF, NUL, ...) except tab; spaces and tabs around a value are dropped;
- hop-by-hop and framing headers (``Connection``, ``Transfer-Encoding``, ...) are refused: the
  broker frames the response; ``Content-Length`` is dropped, since the broker streams;
- ``Content-Type``: ``type/subtype`` with well-formed parameters; ``Location``: an absolute http(s)
  URL or a path, ASCII without spaces (so never ``javascript:``); ``Content-Disposition``:
  ``inline`` or ``attachment`` with well-formed parameters (``filename*`` as ``UTF-8''...``);
  each of the three at most once; ``Set-Cookie``: ``name=value`` with a token name;
- the status is a final one (200 to 599).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote_to_bytes, urlsplit

from baton.errors import BadProgramHeader

MAX_HEADERS = 100
MAX_NAME = 256
MAX_VALUE = 8 * 1024

#: RFC 9110 section 7.6.1, plus the framing headers the broker owns.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "upgrade",
        "te",
        "trailer",
        "proxy-authenticate",
        "proxy-authorization",
    }
)
_DROPPED = frozenset({"content-length"})
_SINGLETONS = frozenset({"content-type", "location", "content-disposition"})

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_TOKEN_RE = re.compile(_TOKEN)
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}")
_PARAMETER = re.compile(rf"[ \t]*;[ \t]*(?:(?P<name>{_TOKEN})=(?P<value>{_TOKEN}|{_QUOTED}))?")
#: RFC 8187 ext-value, as RFC 6266 uses it for ``filename*``; UTF-8 only.
_EXT_VALUE = re.compile(r"(?i:utf-8)'[A-Za-z0-9\-]*'(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+\-.^_`|~])+")
_SHOWN = 60


#: Header blocks already found good (a program tends to send the same block every time).
_GOOD: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[tuple[bytes, bytes], ...]] = {}
_MAX_GOOD = 1024


def check_headers(
    program: str, status: int, headers: Sequence[tuple[str, str]]
) -> list[tuple[bytes, bytes]]:
    """:func:`check_block`, remembering the blocks that passed (the answer is a fresh list)."""
    key = (status, tuple(headers))
    good = _GOOD.get(key)
    if good is None:
        good = tuple(check_block(program, status, headers))
        if len(_GOOD) >= _MAX_GOOD:
            _GOOD.clear()
        _GOOD[key] = good
    return list(good)


def check_block(
    program: str, status: int, headers: Sequence[tuple[str, str]]
) -> list[tuple[bytes, bytes]]:
    """Check a program's status and headers; return the headers to send, as ASGI wants them.

    Args:
        program: the program that sent them, named in the error.
        status: the HEAD frame's status.
        headers: the HEAD frame's headers, in order, repeats kept.

    Returns:
        ``(name, value)`` pairs in order: names lowercased, both Latin-1 bytes, ``Content-Length``
        left out.

    Raises:
        BadProgramHeader: the first header (or ``Status``, or the whole block) that breaks a rule
            of the module docstring.
    """
    if not 200 <= status <= 599:
        raise BadProgramHeader(program, "Status", f"{status} is not a final status (200..599)")
    if len(headers) > MAX_HEADERS:
        raise BadProgramHeader(program, "header block", f"more than {MAX_HEADERS} headers")
    checked: list[tuple[bytes, bytes]] = []
    seen: set[str] = set()
    for name, raw_value in headers:
        lower = _check_name(program, name)
        if lower in _DROPPED:
            continue
        value = raw_value.strip(" \t")
        problem = _value_problem(value) or _specific_problem(lower, value)
        if problem is None and lower in _SINGLETONS and lower in seen:
            problem = "sent more than once"
        if problem is not None:
            raise BadProgramHeader(program, name, problem)
        seen.add(lower)
        checked.append((lower.encode("latin-1"), value.encode("latin-1")))
    return checked


def _check_name(program: str, name: str) -> str:
    if len(name) > MAX_NAME:
        raise BadProgramHeader(program, name[:_SHOWN] + "...", f"name over {MAX_NAME} characters")
    if not _TOKEN_RE.fullmatch(name):
        raise BadProgramHeader(program, repr(name[:_SHOWN]), "the name is not an HTTP token")
    lower = name.lower()
    if lower in HOP_BY_HOP:
        raise BadProgramHeader(program, name, "a hop-by-hop header: the broker frames responses")
    return lower


def _value_problem(value: str) -> str | None:
    if len(value) > MAX_VALUE:
        return f"the value is over {MAX_VALUE} characters"
    for char in value:
        code = ord(char)
        if code > 0xFF:
            return f"U+{code:04X} is not Latin-1 (percent-encode it, or use filename*)"
        if char in "\r\n":
            return "the value holds a line break (CR or LF)"
        if char == "\0":
            return "the value holds a NUL character"
        if (code < 0x20 and char != "\t") or 0x7F <= code <= 0x9F:
            return f"the value holds the control character U+{code:04X}"
    return None


def _specific_problem(name: str, value: str) -> str | None:
    if name == "content-type":
        return _content_type_problem(value)
    if name == "location":
        return _location_problem(value)
    if name == "set-cookie":
        return _cookie_problem(value)
    if name == "content-disposition":
        return _disposition_problem(value)
    return None


def _content_type_problem(value: str) -> str | None:
    media_type = _MEDIA_TYPE.match(value)
    if media_type is None or _parameters(value[media_type.end() :]) is None:
        return "not type/subtype with well-formed parameters"
    return None


def _location_problem(value: str) -> str | None:
    if not value:
        return "empty"
    if not value.isascii() or " " in value or "\t" in value:
        return "not a URL: ASCII without spaces (percent-encode the rest)"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "not a URL"
    if parts.scheme:
        if parts.scheme not in ("http", "https"):
            return f"the scheme {parts.scheme[:_SHOWN]!r} is not http or https"
        if not host:
            return "an http(s) URL without a host"
    return None


def _cookie_problem(value: str) -> str | None:
    pair = value.split(";", 1)[0]
    name, equals, _ = pair.partition("=")
    if not equals or not _TOKEN_RE.fullmatch(name.strip(" \t")):
        return "not name=value with a token name"
    return None


def _disposition_problem(value: str) -> str | None:
    kind = _TOKEN_RE.match(value)
    if kind is None or kind.group().lower() not in ("inline", "attachment"):
        return "neither inline nor attachment"
    parameters = _parameters(value[kind.end() :])
    if parameters is None:
        return "the parameters are not well-formed"
    names = [name for name, _ in parameters]
    if len(names) != len(set(names)):
        return "a parameter is given twice"
    for name, parameter in parameters:
        if name == "filename*" and not _ext_value_ok(parameter):
            return "filename* is not UTF-8''percent-encoded-name"
    return None


def _parameters(text: str) -> list[tuple[str, str]] | None:
    """``; name=value`` parameters (names lowercased), or None when they are not well-formed."""
    parameters: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _PARAMETER.match(text, position)
        if match is None:
            return None
        if match["name"] is not None:
            parameters.append((match["name"].lower(), match["value"]))
        position = match.end()
    return parameters


def _ext_value_ok(value: str) -> bool:
    if not _EXT_VALUE.fullmatch(value):
        return False
    try:
        unquote_to_bytes(value.split("'", 2)[2]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
