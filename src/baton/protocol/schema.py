"""The wire schema: for each frame kind, its fields and how each is read from a body.

Field names on the wire are the dataclass field names of :mod:`baton.protocol.frames`, in the
same order; ``version`` and ``kind`` are the envelope's and no frame field may take them.
Compound values are arrays, not maps, where the order or repetition matters (``fields``,
``headers``), and fixed-length arrays for records (a file is ``[field, filename, content_type,
content]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeVar

from baton.protocol.frames import FrameKind, UploadedFile
from baton.protocol.reader import BodyReader

T = TypeVar("T")

#: Reads one field's value; the ``str`` names the field, as a path, for errors.
FieldReader = Callable[[BodyReader, str], object]

#: The envelope's keys: every frame has them, and they are not fields.
ENVELOPE = ("version", "kind")


def _record(reader: BodyReader, where: str, size: int) -> None:
    count = reader.array(where)
    if count != size:
        reader.fail(where, f"expected an array of {size} elements, found {count}")


def text_pairs(reader: BodyReader, where: str) -> tuple[tuple[str, str], ...]:
    """An array of ``[name, value]`` text pairs, in order, repeats kept."""
    pairs: list[tuple[str, str]] = []
    for index in range(reader.array(where)):
        at = f"{where}[{index}]"
        _record(reader, at, 2)
        pairs.append((reader.text(f"{at}.name"), reader.text(f"{at}.value")))
    return tuple(pairs)


def text_list(reader: BodyReader, where: str) -> tuple[str, ...]:
    """An array of texts."""
    return tuple(reader.text(f"{where}[{index}]") for index in range(reader.array(where)))


def _mapping(reader: BodyReader, where: str, read: Callable[[BodyReader, str], T]) -> dict[str, T]:
    values: dict[str, T] = {}
    for index in range(reader.map(where)):
        key = reader.text(f"{where}.<key {index}>")
        if key in values:
            reader.fail(where, f"duplicate key {shown(key)}")
        values[key] = read(reader, f"{where}[{shown(key)}]")
    return values


def text_map(reader: BodyReader, where: str) -> dict[str, str]:
    """A map of text to text, duplicate keys refused."""
    return _mapping(reader, where, BodyReader.text)


def number_map(reader: BodyReader, where: str) -> dict[str, float]:
    """A map of text to numbers (as floats), duplicate keys refused."""
    return _mapping(reader, where, BodyReader.number)


def files(reader: BodyReader, where: str) -> tuple[UploadedFile, ...]:
    """An array of ``[field, filename, content_type, content]`` records."""
    found: list[UploadedFile] = []
    for index in range(reader.array(where)):
        at = f"{where}[{index}]"
        _record(reader, at, 4)
        found.append(
            UploadedFile(
                field=reader.text(f"{at}.field"),
                filename=reader.text(f"{at}.filename"),
                content_type=reader.text(f"{at}.content_type"),
                content=reader.binary(f"{at}.content"),
            )
        )
    return tuple(found)


def shown(name: str, limit: int = 40) -> str:
    """``name`` quoted for an error message, cut short: it may be anything the peer sent."""
    return repr(name if len(name) <= limit else name[:limit] + "...")


def _text(reader: BodyReader, where: str) -> object:
    return reader.text(where)


def _optional_text(reader: BodyReader, where: str) -> object:
    return reader.optional_text(where)


def _integer(reader: BodyReader, where: str) -> object:
    return reader.integer(where)


def _number(reader: BodyReader, where: str) -> object:
    return reader.number(where)


def _boolean(reader: BodyReader, where: str) -> object:
    return reader.boolean(where)


def _binary(reader: BodyReader, where: str) -> object:
    return reader.binary(where)


#: Every kind's fields, in wire order, with their readers.
FIELDS: Mapping[FrameKind, Mapping[str, FieldReader]] = MappingProxyType(
    {
        FrameKind.HELLO: {
            "lease": _text,
            "expires": _integer,
            "nonce": _text,
            "time": _integer,
            "proof": _text,
        },
        FrameKind.REQUEST: {
            "request_id": _text,
            "program": _text,
            "fields": text_pairs,
            "files": files,
            "env": text_map,
            "user": _optional_text,
            "session_id": _optional_text,
            "debug": _integer,
            "deadline": _number,
        },
        FrameKind.HEAD: {"status": _integer, "headers": text_pairs},
        FrameKind.DATA: {"chunk": _binary},
        FrameKind.END: {
            "status": _integer,
            "log": text_list,
            "timings": number_map,
            "session_id": _optional_text,
            "session_created": _boolean,
            "session_deleted": _boolean,
        },
        FrameKind.ERROR: {"code": _text, "message": _text},
        FrameKind.CANCEL: {"request_id": _text},
        FrameKind.PING: {},
        FrameKind.PONG: {},
        FrameKind.STATUS: {},
        FrameKind.STATUS_REPLY: {
            "pid": _integer,
            "capacity": _integer,
            "active": _integer,
            "served": _integer,
            "sessions": _integer,
            "uptime": _number,
        },
    }
)
