"""The common case, decoded fast: well-formed frames through msgpack's C unpacker.

:func:`fast_decode` lets msgpack build the body's values (with every length limited to the
body's size, extension types refused, maps kept as lists of pairs so that a duplicate key is
seen and a map is never taken for an array), then accepts the frame only if every value has
exactly the type the schema asks for. It returns None at the first doubt, and the strict reader
(:class:`~baton.protocol.reader.BodyReader`) decodes the body again to give the precise error:
this path may refuse what is valid, never accept what is not. The test suite checks that both
paths agree on valid frames and on every kind of malformed one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import msgpack

from baton.errors import MalformedFrame
from baton.protocol import schema
from baton.protocol.frames import FRAME_TYPES, SUPPORTED_VERSIONS, Frame, FrameKind, UploadedFile


class _Map(list[tuple[object, object]]):
    """A msgpack map, as its pairs in order (so duplicates and order survive)."""


class _Doubt(Exception):
    """The value is not exactly what the schema asks: let the strict reader say why."""


def _refuse_extension(code: int, data: bytes) -> object:
    raise _Doubt


def _text(value: object) -> str:
    if type(value) is not str:
        raise _Doubt
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _integer(value: object) -> int:
    if type(value) is not int:
        raise _Doubt
    return value


def _number(value: object) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _Doubt


def _boolean(value: object) -> bool:
    if type(value) is not bool:
        raise _Doubt
    return value


def _binary(value: object) -> bytes:
    if type(value) is not bytes:
        raise _Doubt
    return value


def _array(value: object) -> list[object]:
    if type(value) is not list:
        raise _Doubt
    return value


def _record(value: object, size: int) -> list[object]:
    items = _array(value)
    if len(items) != size:
        raise _Doubt
    return items


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    return tuple(
        (_text(name), _text(text)) for name, text in (_record(v, 2) for v in _array(value))
    )


def _texts(value: object) -> tuple[str, ...]:
    return tuple(_text(item) for item in _array(value))


def _mapping(value: object, read: Callable[[object], object]) -> dict[str, object]:
    if type(value) is not _Map:
        raise _Doubt
    found: dict[str, object] = {}
    for key, item in value:
        name = _text(key)
        if name in found:
            raise _Doubt
        found[name] = read(item)
    return found


def _text_map(value: object) -> dict[str, object]:
    return _mapping(value, _text)


def _number_map(value: object) -> dict[str, object]:
    return _mapping(value, _number)


def _files(value: object) -> tuple[UploadedFile, ...]:
    found = []
    for item in _array(value):
        field, filename, content_type, content = _record(item, 4)
        found.append(
            UploadedFile(_text(field), _text(filename), _text(content_type), _binary(content))
        )
    return tuple(found)


#: The fast reading of each strict reader of :mod:`baton.protocol.schema`.
_FAST: Mapping[object, Callable[[object], object]] = MappingProxyType(
    {
        schema._text: _text,
        schema._optional_text: _optional_text,
        schema._integer: _integer,
        schema._number: _number,
        schema._boolean: _boolean,
        schema._binary: _binary,
        schema.text_pairs: _pairs,
        schema.text_list: _texts,
        schema.text_map: _text_map,
        schema.number_map: _number_map,
        schema.files: _files,
    }
)
_KINDS = {kind.value: kind for kind in FrameKind}


def fast_decode(body: bytes) -> Frame | None:
    """The frame in ``body`` if it is plainly well formed, else None (never raises)."""
    try:
        values = msgpack.unpackb(
            body,
            raw=False,
            use_list=True,
            object_pairs_hook=_Map,
            strict_map_key=False,
            ext_hook=_refuse_extension,
            unicode_errors="strict",
        )
        top = _mapping(values, lambda value: value)
        version, kind_name = top.pop("version", None), top.pop("kind", None)
        if type(version) is not int or version not in SUPPORTED_VERSIONS:
            return None
        kind = _KINDS.get(kind_name) if type(kind_name) is str else None
        if kind is None:
            return None
        readers = schema.FIELDS[kind]
        if top.keys() != readers.keys():
            return None
        fields = {name: _FAST[read](top[name]) for name, read in readers.items()}
        factory: Callable[..., Frame] = FRAME_TYPES[kind]
        return factory(**fields)
    except (_Doubt, MalformedFrame):
        return None
    except Exception:  # anything msgpack objects to: the strict reader will say what
        return None
