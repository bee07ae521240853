"""Typed reads over one frame body, one msgpack value at a time.

This is the one place that runs msgpack's unpacker on bytes from the other side. Containers are
never unpacked whole: arrays and maps are read header by header as the schema expects them, and
every scalar is checked by its first byte before it is decoded. So nothing is built from a
length the peer claims (a header claiming four billion elements costs nothing), nesting is only
as deep as the schema, and every failure is a :class:`~baton.errors.MalformedFrame` that names
the field.
"""

from __future__ import annotations

from enum import Enum
from typing import NoReturn

import msgpack

from baton.errors import MalformedFrame


class WireType(Enum):
    """msgpack's families of values, told apart by their first byte; values read in messages."""

    NIL = "nil"
    BOOLEAN = "a boolean"
    INTEGER = "an integer"
    FLOAT = "a float"
    TEXT = "text"
    BINARY = "binary"
    ARRAY = "an array"
    MAP = "a map"
    EXTENSION = "an extension"
    UNUSED = "the unused byte 0xc1"


def wire_type(first: int) -> WireType:
    """The family of the msgpack value whose first byte is ``first``."""
    if first <= 0x7F or first >= 0xE0 or 0xCC <= first <= 0xD3:
        return WireType.INTEGER
    if first <= 0x8F or first in (0xDE, 0xDF):
        return WireType.MAP
    if first <= 0x9F or first in (0xDC, 0xDD):
        return WireType.ARRAY
    if first <= 0xBF or 0xD9 <= first <= 0xDB:
        return WireType.TEXT
    if first in (0xCA, 0xCB):
        return WireType.FLOAT
    if 0xC4 <= first <= 0xC6:
        return WireType.BINARY
    if first in (0xC2, 0xC3):
        return WireType.BOOLEAN
    if first == 0xC0:
        return WireType.NIL
    if first == 0xC1:
        return WireType.UNUSED
    return WireType.EXTENSION  # 0xc7..0xc9, 0xd4..0xd8


class BodyReader:
    """Reads the values of one frame body in order; each read names the field it is for.

    Args:
        body: the frame body (the bytes after the length prefix).
        max_size: the largest text or binary value to accept (the maximum frame size).

    Attributes:
        kind: the frame's kind once known, so that errors name it.
    """

    def __init__(self, body: bytes, max_size: int) -> None:
        self._body = body
        self._unpacker = msgpack.Unpacker(
            raw=False,
            max_buffer_size=max(len(body), 1),
            max_str_len=max_size,
            max_bin_len=max_size,
            # Containers are read through their headers below; unpacking one whole is refused.
            max_array_len=0,
            max_map_len=0,
            max_ext_len=0,
        )
        self._unpacker.feed(body)
        self.kind: str | None = None

    def error(self, where: str | None, reason: str) -> MalformedFrame:
        """A :class:`MalformedFrame` for this frame's kind and ``where``."""
        return MalformedFrame(reason, kind=self.kind, field=where)

    def fail(self, where: str | None, reason: str) -> NoReturn:
        """Raise :meth:`error`."""
        raise self.error(where, reason)

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        offset: int = self._unpacker.tell()
        return len(self._body) - offset

    def peek(self, where: str | None) -> WireType:
        """The family of the next value, without reading it."""
        offset: int = self._unpacker.tell()
        if offset >= len(self._body):
            self.fail(where, "the frame ends where this value should be")
        return wire_type(self._body[offset])

    def _expect(self, where: str, *accepted: WireType) -> WireType:
        found = self.peek(where)
        if found not in accepted:
            wanted = " or ".join(kind.value for kind in accepted)
            self.fail(where, f"expected {wanted}, found {found.value}")
        return found

    def _unpack(self, where: str) -> object:
        try:
            value: object = self._unpacker.unpack()
        except msgpack.OutOfData as exc:
            raise self.error(where, "the frame ends inside this value") from exc
        except UnicodeDecodeError as exc:
            raise self.error(where, "text is not valid UTF-8") from exc
        except (ValueError, msgpack.UnpackException) as exc:
            raise self.error(where, f"undecodable value ({exc})") from exc
        return value

    def text(self, where: str) -> str:
        """A msgpack str (UTF-8)."""
        self._expect(where, WireType.TEXT)
        value = self._unpack(where)
        if not isinstance(value, str):  # pragma: no cover - the first byte said text
            self.fail(where, "expected text")
        return value

    def optional_text(self, where: str) -> str | None:
        """Nil or a msgpack str."""
        if self._expect(where, WireType.NIL, WireType.TEXT) is WireType.NIL:
            self._unpack(where)
            return None
        return self.text(where)

    def integer(self, where: str) -> int:
        """A msgpack int (a boolean is not one)."""
        self._expect(where, WireType.INTEGER)
        value = self._unpack(where)
        if not isinstance(value, int) or isinstance(value, bool):  # pragma: no cover
            self.fail(where, "expected an integer")
        return value

    def number(self, where: str) -> float:
        """A msgpack float or int, as a float."""
        self._expect(where, WireType.FLOAT, WireType.INTEGER)
        value = self._unpack(where)
        if not isinstance(value, int | float) or isinstance(value, bool):  # pragma: no cover
            self.fail(where, "expected a number")
        return float(value)

    def boolean(self, where: str) -> bool:
        """A msgpack true or false."""
        self._expect(where, WireType.BOOLEAN)
        return self._unpack(where) is True

    def binary(self, where: str) -> bytes:
        """A msgpack bin."""
        self._expect(where, WireType.BINARY)
        value = self._unpack(where)
        if not isinstance(value, bytes):  # pragma: no cover - the first byte said binary
            self.fail(where, "expected binary")
        return value

    def array(self, where: str) -> int:
        """The header of an array: how many elements follow (then read each)."""
        self._expect(where, WireType.ARRAY)
        try:
            count: int = self._unpacker.read_array_header()
        except (ValueError, msgpack.UnpackException) as exc:
            raise self.error(where, "the frame ends inside this array's header") from exc
        if count > self.remaining:  # every element takes at least one byte
            self.fail(where, f"an array of {count} elements in {self.remaining} bytes")
        return count

    def map(self, where: str | None) -> int:
        """The header of a map: how many key/value pairs follow (then read each)."""
        found = self.peek(where)
        if found is not WireType.MAP:
            self.fail(where, f"expected a map, found {found.value}")
        try:
            count: int = self._unpacker.read_map_header()
        except (ValueError, msgpack.UnpackException) as exc:
            raise self.error(where, "the frame ends inside this map's header") from exc
        if 2 * count > self.remaining:  # every pair takes at least two bytes
            self.fail(where, f"a map of {count} pairs in {self.remaining} bytes")
        return count

    def skip(self, where: str) -> None:
        """Pass over the next value, whatever it is, without building it."""
        self.peek(where)
        try:
            self._unpacker.skip()
        except (ValueError, msgpack.UnpackException) as exc:
            raise self.error(where, f"undecodable value ({exc or 'nested too deeply'})") from exc

    def finish(self) -> None:
        """Check that the body holds nothing after the values read."""
        if self.remaining:
            self.fail(None, f"{self.remaining} bytes after the frame's map")
