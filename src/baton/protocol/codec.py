"""Frames to bytes and back: a 4-byte big-endian length, then one msgpack map.

Decoding is strict and total: whatever the bytes, :func:`decode` returns a frame or raises a
:class:`~baton.errors.ProtocolError` (:class:`~baton.errors.FrameTooLarge`,
:class:`~baton.errors.MalformedFrame`, :class:`~baton.errors.UnsupportedVersion`), never another
exception. A body is read twice: first its envelope, the part no version changes (one map with
text keys, among them an integer ``version`` and a text ``kind``), then, the version being known
good, the whole map as the fields of its kind.

Well-formed frames take a fast path (:mod:`baton.protocol.fastpath`: msgpack's C unpacker,
then exact type checks); any body it doubts is decoded again by the strict reader, which gives
the precise error. Frame constructors make the checks that decoding makes beyond types, so a
frame built with its declared types (mypy checks them) encodes to bytes the other side accepts.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable, Mapping

import msgpack

from baton.errors import FrameTooLarge, MalformedFrame, UnsupportedVersion
from baton.protocol.fastpath import fast_decode
from baton.protocol.frames import (
    FRAME_TYPES,
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    Frame,
    FrameKind,
    UploadedFile,
)
from baton.protocol.reader import BodyReader
from baton.protocol.schema import ENVELOPE, FIELDS, shown

#: The length prefix: an unsigned 32-bit big-endian count of the body's bytes.
PREFIX = struct.Struct(">I")
PREFIX_SIZE = PREFIX.size
#: The default maximum body size, in bytes.
DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024
#: The largest body the prefix can describe.
LARGEST_FRAME_SIZE = 2**32 - 1

_KINDS = frozenset(kind.value for kind in FrameKind)


def check_max_size(max_size: int) -> int:
    """``max_size`` if it is a usable maximum frame size (1 .. 2**32 - 1), else ValueError."""
    if not 1 <= max_size <= LARGEST_FRAME_SIZE:
        raise ValueError(f"the maximum frame size must be in 1..{LARGEST_FRAME_SIZE}")
    return max_size


def frame_length(prefix: bytes, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> int:
    """The body length a 4-byte prefix announces, checked before anything is read or allocated.

    Raises:
        FrameTooLarge: the length is over ``max_size``.
        MalformedFrame: the prefix is not 4 bytes, or announces an empty body.
    """
    if len(prefix) != PREFIX_SIZE:
        raise MalformedFrame(f"the length prefix is {PREFIX_SIZE} bytes, not {len(prefix)}")
    (length,) = PREFIX.unpack(prefix)
    if length > max_size:
        raise FrameTooLarge(length, max_size)
    if length == 0:
        raise MalformedFrame("the frame is empty (length 0)")
    return int(length)


def _plain(value: object) -> object:
    """What msgpack cannot pack by itself, as arrays and maps (``default=`` hook)."""
    if isinstance(value, UploadedFile):
        return [value.field, value.filename, value.content_type, value.content]
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot encode a {type(value).__name__}")


def encode_body(frame: Frame) -> bytes:
    """The msgpack map of ``frame``: the envelope, then its fields in declaration order.

    Raises:
        MalformedFrame: a value msgpack has no form for (text with a lone surrogate, ...).
    """
    wire: dict[str, object] = {"version": PROTOCOL_VERSION, "kind": frame.kind.value}
    for field in dataclasses.fields(frame):
        wire[field.name] = getattr(frame, field.name)
    try:
        body: bytes = msgpack.packb(wire, use_bin_type=True, default=_plain)
    except (TypeError, ValueError, OverflowError) as exc:
        raise MalformedFrame(f"cannot be encoded ({exc})", kind=frame.kind.value) from exc
    return body


def encode(frame: Frame, *, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> bytes:
    """``frame`` on the wire: its length prefix, then its body.

    Raises:
        FrameTooLarge: the body is over ``max_size`` (the receiver would refuse it).
        MalformedFrame: see :func:`encode_body`.
    """
    body = encode_body(frame)
    if len(body) > max_size:
        raise FrameTooLarge(len(body), max_size)
    return PREFIX.pack(len(body)) + body


def decode(data: bytes, *, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> Frame:
    """The frame in ``data``, which holds exactly one frame: its prefix, then its body.

    Raises:
        FrameTooLarge: the prefix announces more than ``max_size`` bytes (checked first).
        MalformedFrame: the data is shorter or longer than the prefix says, or the body is
            malformed (see :func:`decode_body`).
        UnsupportedVersion: see :func:`decode_body`.
    """
    if len(data) < PREFIX_SIZE:
        raise MalformedFrame(f"the data ends inside the length prefix ({len(data)} bytes)")
    length = frame_length(data[:PREFIX_SIZE], max_size)
    if len(data) - PREFIX_SIZE != length:
        raise MalformedFrame(f"the prefix says {length} bytes, {len(data) - PREFIX_SIZE} follow")
    return decode_body(data[PREFIX_SIZE:], max_size=max_size)


def decode_body(body: bytes, *, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> Frame:
    """The frame whose body (the bytes after the prefix) is ``body``.

    Raises:
        FrameTooLarge: ``body`` is longer than ``max_size``.
        MalformedFrame: anything else wrong; ``kind`` and ``field`` say where, when known.
        UnsupportedVersion: the envelope is well formed but its version is not spoken here.
    """
    if len(body) > max_size:
        raise FrameTooLarge(len(body), max_size)
    if not body:
        raise MalformedFrame("the frame is empty (length 0)")
    frame = fast_decode(body)
    if frame is not None:
        return frame
    return strict_decode_body(body, max_size=max_size)


def strict_decode_body(body: bytes, *, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> Frame:
    """:func:`decode_body` without the fast path: the reader decodes every byte itself."""
    if not body:
        raise MalformedFrame("the frame is empty (length 0)")
    kind = _envelope(BodyReader(body, max_size))
    values = _fields(BodyReader(body, max_size), kind)
    # FIELDS and the dataclasses name the same fields (tested), so only __post_init__ can object.
    factory: Callable[..., Frame] = FRAME_TYPES[kind]
    return factory(**values)


def _clip(name: str) -> str:
    return name if len(name) <= 40 else name[:40] + "..."


def _envelope(reader: BodyReader) -> FrameKind:
    """The frame's kind, once its version is known good; reads only as far as both keys.

    Every encoder writes ``version`` and ``kind`` first, so this reads two entries; keys before
    them are skipped (walked, not built). The version is judged before the kind, so a newer
    peer's frame is reported as :class:`UnsupportedVersion` whatever it holds.
    """
    version: int | None = None
    kind: str | None = None
    for index in range(reader.map(None)):
        key = reader.text(f"<key {index}>")
        if key == "version" and version is None:
            version = reader.integer("version")
        elif key == "kind" and kind is None:
            kind = reader.text("kind")
            if kind in _KINDS:
                reader.kind = kind
        else:
            reader.skip(_clip(key))
        if version is not None and kind is not None:
            break
    if version is None:
        reader.fail("version", "missing")
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(version, SUPPORTED_VERSIONS)
    if kind is None:
        reader.fail("kind", "missing")
    if kind not in _KINDS:
        reader.fail("kind", f"unknown kind {shown(kind)}")
    return FrameKind(kind)


def _fields(reader: BodyReader, kind: FrameKind) -> dict[str, object]:
    """The field values of a ``kind`` frame, reading the whole body this time."""
    reader.kind = kind.value
    readers = FIELDS[kind]
    values: dict[str, object] = {}
    seen: set[str] = set()
    for index in range(reader.map(None)):
        key = reader.text(f"<key {index}>")
        if key in seen:
            reader.fail(None, f"duplicate key {shown(key)}")
        seen.add(key)
        read = readers.get(key)
        if read is not None:
            values[key] = read(reader, key)
        elif key in ENVELOPE:
            reader.skip(key)
        else:
            reader.fail(_clip(key), f"not a field of {kind.value} frames")
    reader.finish()
    for name in readers:
        if name not in values:
            reader.fail(name, "missing")
    return values
