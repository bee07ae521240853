"""The codec: every kind round-trips; every malformed input is the right ProtocolError."""

from __future__ import annotations

import math
from typing import cast

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.errors import FrameTooLarge, MalformedFrame, UnsupportedVersion
from baton.protocol import frames
from baton.protocol.codec import (
    DEFAULT_MAX_FRAME_SIZE,
    PREFIX,
    check_max_size,
    decode,
    decode_body,
    encode,
    encode_body,
    frame_length,
)
from baton.protocol.frames import FrameKind
from tests.protocol.strategies import FRAMES


def packed(value: object) -> bytes:
    """``value`` as msgpack (bytes as bin, str as str)."""
    return cast(bytes, msgpack.packb(value, use_bin_type=True))


def body(*entries: tuple[str | bytes, bytes]) -> bytes:
    """A map body from (key, already packed value) entries, in order, duplicates allowed.

    A ``bytes`` key is written as it is (already packed), to send keys msgpack would not make.
    """
    out = bytearray(b"\xde" + len(entries).to_bytes(2, "big"))
    for key, value in entries:
        out += key if isinstance(key, bytes) else packed(key)
        out += value
    return bytes(out)


def envelope(kind: str = "DATA", version: int = 1) -> list[tuple[str | bytes, bytes]]:
    return [("version", packed(version)), ("kind", packed(kind))]


def data_body(chunk: bytes) -> bytes:
    return body(*envelope(), ("chunk", packed(chunk)))


def hello_body(**changed: object) -> bytes:
    """A HELLO body with some fields changed (None: left out)."""
    fields: dict[str, object] = {
        "lease": "l1",
        "expires": 2_000_000_000,
        "nonce": "n1",
        "time": 1_700_000_000,
        "proof": "ab",
    }
    fields.update(changed)
    entries = [(name, packed(value)) for name, value in fields.items() if value is not None]
    return body(*envelope("HELLO"), *entries)


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(FrameKind), ids=str)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_kind_round_trips(kind: FrameKind, data: st.DataObject) -> None:
    frame = data.draw(FRAMES[kind])

    wire = encode(frame)

    assert decode(wire) == frame
    assert frame_length(wire[:4]) == len(wire) - 4
    assert decode_body(wire[4:]) == frame


def test_the_documented_example() -> None:
    # The byte-by-byte example in docs/protocol.md.
    wire = bytes.fromhex(
        "0000001e 83 a776657273696f6e 01 a46b696e64 a444415441 a56368756e6b c4026869"
    )

    assert encode(frames.Data(b"hi")) == wire
    assert decode(wire) == frames.Data(b"hi")


def test_the_envelope_comes_first_then_the_fields_in_order() -> None:
    wire = msgpack.unpackb(encode_body(frames.Head(204, (("X-A", "1"),))), raw=False)

    assert list(wire) == ["version", "kind", "status", "headers"]
    assert wire == {"version": 1, "kind": "HEAD", "status": 204, "headers": [["X-A", "1"]]}


def test_a_request_keeps_repeated_fields_files_and_env() -> None:
    request = frames.Request(
        "r1",
        "sample.hello",
        fields=(("name", "Ada"), ("tag", "a"), ("tag", "b")),
        files=(frames.UploadedFile("data", "x.csv", "text/csv", b"1,2\n"),),
        env={"REMOTE_USER": "ada", "REQUEST_METHOD": "POST"},
        user="ada",
        session_id="s1",
        debug=130,
        deadline=12.5,
    )

    wire = msgpack.unpackb(encode_body(request), raw=False)
    back = decode(encode(request))

    assert wire["files"] == [["data", "x.csv", "text/csv", b"1,2\n"]]
    assert back == request
    assert isinstance(back, frames.Request)
    assert back.fields[1:] == (("tag", "a"), ("tag", "b"))


def test_a_hello_carries_its_fields_in_order() -> None:
    hello = frames.Hello(lease="l1", expires=2_000_000_000, nonce="n1", time=1, proof="ab")

    wire = encode(hello)

    assert decode(wire) == hello
    assert list(msgpack.unpackb(wire[4:])) == [
        "version",
        "kind",
        "lease",
        "expires",
        "nonce",
        "time",
        "proof",
    ]
    assert decode_body(hello_body()) == frames.Hello("l1", 2_000_000_000, "n1", 1_700_000_000, "ab")


def test_keys_may_come_in_any_order_and_numbers_as_integers() -> None:
    wire = body(
        ("deadline", packed(5)),
        ("program", packed("sample.hello")),
        ("kind", packed("REQUEST")),
        ("request_id", packed("r1")),
        ("fields", packed([])),
        ("files", packed([])),
        ("env", packed({})),
        ("user", packed(None)),
        ("session_id", packed(None)),
        ("debug", packed(0)),
        ("version", packed(1)),
    )

    frame = decode_body(wire)

    assert frame == frames.Request("r1", "sample.hello", deadline=5.0)
    assert isinstance(frame, frames.Request) and isinstance(frame.deadline, float)


# --- size limits -------------------------------------------------------------------------------


def test_a_huge_length_prefix_is_refused_at_once() -> None:
    with pytest.raises(FrameTooLarge) as caught:
        decode(PREFIX.pack(2**31))  # 2 GiB announced, nothing follows

    assert caught.value.size == 2**31
    assert caught.value.limit == DEFAULT_MAX_FRAME_SIZE


def test_the_limit_is_configurable_both_ways() -> None:
    frame = frames.Data(b"x" * 100)
    wire = encode(frame)
    limit = len(wire) - 4

    assert decode(wire, max_size=limit) == frame
    assert encode(frame, max_size=limit) == wire
    with pytest.raises(FrameTooLarge):
        decode(wire, max_size=limit - 1)
    with pytest.raises(FrameTooLarge):
        decode_body(wire[4:], max_size=limit - 1)
    with pytest.raises(FrameTooLarge) as caught:
        encode(frame, max_size=limit - 1)
    assert (caught.value.size, caught.value.limit) == (limit, limit - 1)


@pytest.mark.parametrize("size", [0, -1, 2**32])
def test_a_nonsense_limit_is_a_programming_error(size: int) -> None:
    with pytest.raises(ValueError):
        check_max_size(size)


def test_a_text_longer_than_the_limit_is_refused_from_its_header() -> None:
    # A str header claiming 4 GiB: refused by msgpack's max_str_len, nothing allocated.
    wire = body(*envelope("CANCEL"), ("request_id", b"\xdb\xff\xff\xff\xff"))

    with pytest.raises(MalformedFrame) as caught:
        decode_body(wire)

    assert (caught.value.kind, caught.value.field) == ("CANCEL", "request_id")


# --- malformed frames --------------------------------------------------------------------------

MALFORMED_DATA: list[tuple[str, bytes, str]] = [
    ("empty", b"", "length prefix"),
    ("short prefix", b"\x00\x00\x01", "length prefix"),
    ("zero length", PREFIX.pack(0), "empty"),
    ("truncated", encode(frames.Data(b"hi"))[:-1], "30 bytes, 29 follow"),
    ("too long", encode(frames.Data(b"hi")) + b"\x00", "30 bytes, 31 follow"),
]


@pytest.mark.parametrize(("name", "data", "reason"), MALFORMED_DATA, ids=lambda v: str(v)[:20])
def test_framing_errors(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(MalformedFrame) as caught:
        decode(data)

    assert reason in caught.value.reason


MALFORMED_BODIES: list[tuple[str, bytes, str | None, str | None, str]] = [
    # (name, body, kind, field, part of the reason)
    ("not msgpack", b"\xc1", None, None, "expected a map, found the unused byte"),
    ("not a map", packed([1, 2]), None, None, "expected a map, found an array"),
    ("text", packed("DATA"), None, None, "found text"),
    ("truncated map", data_body(b"hi")[:-1], "DATA", "chunk", "ends inside"),
    ("trailing bytes", data_body(b"hi") + b"\x00", "DATA", None, "1 bytes after"),
    ("map header cut", b"\xdf\x00", None, None, "map's header"),
    ("map bomb", b"\xdf\xff\xff\xff\xff", None, None, "a map of 4294967295 pairs"),
    ("integer key", b"\x81\x01\x01", None, "<key 0>", "expected text, found an integer"),
    ("binary key", body((packed(b"k"), packed(1))), None, "<key 0>", "found binary"),
    ("bad UTF-8 key", body((b"\xa2\xff\xfe", packed(1))), None, "<key 0>", "UTF-8"),
    ("duplicate key", body(*envelope(), *envelope()), "DATA", None, "duplicate key 'version'"),
    ("no version", body(("kind", packed("PING"))), "PING", "version", "missing"),
    (
        "text version",
        body(*envelope(version=1)[1:], ("version", packed("1"))),
        "DATA",
        "version",
        "expected an integer, found text",
    ),
    ("boolean version", body(("version", packed(True))), None, "version", "found a boolean"),
    ("no kind", body(("version", packed(1))), None, "kind", "missing"),
    (
        "integer kind",
        body(("version", packed(1)), ("kind", packed(3))),
        None,
        "kind",
        "expected text",
    ),
    ("unknown kind", body(*envelope("NOPE")), None, "kind", "unknown kind 'NOPE'"),
    (
        "lowercase kind",
        body(*envelope("data"), ("chunk", packed(b""))),
        None,
        "kind",
        "unknown kind",
    ),
    ("deep garbage", body(("x", b"\x91" * 100_000), *envelope("PING")), None, "x", "undecodable"),
    (
        "garbage field",
        body(*envelope("PING"), ("x", b"\x91" * 100_000)),
        "PING",
        "x",
        "not a field of PING frames",
    ),
    ("missing field", body(*envelope()), "DATA", "chunk", "missing"),
    (
        "extra field",
        body(*envelope(), ("chunk", packed(b"")), ("extra", packed(1))),
        "DATA",
        "extra",
        "not a field of DATA frames",
    ),
    (
        "envelope key as field",
        body(*envelope("PING"), ("chunk", packed(b""))),
        "PING",
        "chunk",
        "not a field",
    ),
    (
        "text chunk",
        body(*envelope(), ("chunk", packed("hi"))),
        "DATA",
        "chunk",
        "expected binary, found text",
    ),
    (
        "extension chunk",
        body(*envelope(), ("chunk", packed(msgpack.ExtType(1, b"x")))),
        "DATA",
        "chunk",
        "found an extension",
    ),
    (
        "text status",
        body(*envelope("HEAD"), ("status", packed("200")), ("headers", packed([]))),
        "HEAD",
        "status",
        "expected an integer, found text",
    ),
    (
        "float status",
        body(*envelope("HEAD"), ("status", packed(200.0)), ("headers", packed([]))),
        "HEAD",
        "status",
        "found a float",
    ),
    (
        "status range",
        body(*envelope("HEAD"), ("status", packed(42)), ("headers", packed([]))),
        "HEAD",
        "status",
        "not an HTTP status",
    ),
    (
        "pair of 3",
        body(*envelope("HEAD"), ("status", packed(200)), ("headers", packed([["a", "b", "c"]]))),
        "HEAD",
        "headers[0]",
        "2 elements, found 3",
    ),
    (
        "nested pair",
        body(*envelope("HEAD"), ("status", packed(200)), ("headers", packed([[["a"], "b"]]))),
        "HEAD",
        "headers[0].name",
        "found an array",
    ),
    (
        "array bomb",
        body(*envelope("HEAD"), ("status", packed(200)), ("headers", b"\xdd\xff\xff\xff\xff")),
        "HEAD",
        "headers",
        "4294967295 elements",
    ),
    (
        "nil text",
        body(*envelope("CANCEL"), ("request_id", packed(None))),
        "CANCEL",
        "request_id",
        "expected text, found nil",
    ),
    (
        "bad UTF-8",
        body(*envelope("CANCEL"), ("request_id", b"\xa2\xff\xfe")),
        "CANCEL",
        "request_id",
        "not valid UTF-8",
    ),
    (
        "empty id",
        body(*envelope("CANCEL"), ("request_id", packed(""))),
        "CANCEL",
        "request_id",
        "must not be empty",
    ),
    (
        "boolean as int",
        body(
            *envelope("END"),
            ("status", packed(200)),
            ("log", packed([])),
            ("timings", packed({})),
            ("session_id", packed(None)),
            ("session_created", packed(1)),
            ("session_deleted", packed(False)),
        ),
        "END",
        "session_created",
        "expected a boolean, found an integer",
    ),
    (
        "duplicate timing",
        body(
            *envelope("END"),
            ("status", packed(200)),
            ("log", packed([])),
            ("timings", b"\x82" + packed("run") + packed(1.0) + packed("run") + packed(2.0)),
            ("session_id", packed(None)),
            ("session_created", packed(True)),
            ("session_deleted", packed(False)),
        ),
        "END",
        "timings",
        "duplicate key 'run'",
    ),
    (
        "file record",
        body(*envelope("REQUEST"), ("files", packed([["f", "x", "t"]]))),
        "REQUEST",
        "files[0]",
        "4 elements, found 3",
    ),
    (
        "nan deadline",
        body(
            *envelope("REQUEST"),
            ("request_id", packed("r")),
            ("program", packed("p")),
            ("fields", packed([])),
            ("files", packed([])),
            ("env", packed({})),
            ("user", packed(None)),
            ("session_id", packed(None)),
            ("debug", packed(0)),
            ("deadline", packed(math.nan)),
        ),
        "REQUEST",
        "deadline",
        "not a positive time",
    ),
    (
        "env value",
        body(*envelope("REQUEST"), ("env", packed({"A": 1}))),
        "REQUEST",
        "env['A']",
        "expected text",
    ),
    ("hello missing proof", hello_body(proof=None), "HELLO", "proof", "missing"),
    ("hello empty lease", hello_body(lease=""), "HELLO", "lease", "must not be empty"),
    ("hello empty nonce", hello_body(nonce=""), "HELLO", "nonce", "must not be empty"),
    ("hello float time", hello_body(time=1.5), "HELLO", "time", "found a float"),
    ("hello text expiry", hello_body(expires="9"), "HELLO", "expires", "found text"),
    ("hello negative expiry", hello_body(expires=-1), "HELLO", "expires", "is not in 0.."),
    ("hello binary proof", hello_body(proof=b"ab"), "HELLO", "proof", "found binary"),
]


@pytest.mark.parametrize(
    ("name", "frame_body", "kind", "field", "reason"), MALFORMED_BODIES, ids=lambda v: str(v)[:20]
)
def test_malformed_bodies_say_what_and_where(
    name: str, frame_body: bytes, kind: str | None, field: str | None, reason: str
) -> None:
    with pytest.raises(MalformedFrame) as caught:
        decode_body(frame_body)
    with pytest.raises(MalformedFrame):
        decode(PREFIX.pack(len(frame_body)) + frame_body)

    assert (caught.value.kind, caught.value.field) == (kind, field)
    assert reason in caught.value.reason


@pytest.mark.parametrize("version", [0, 2, -1, 2**64 - 1])
@pytest.mark.parametrize("order", ["version first", "kind first", "version last"])
def test_an_unknown_version_is_unsupported_whatever_the_rest(version: int, order: str) -> None:
    # A newer peer's frame: an unknown kind and fields must not hide the version.
    entries = [
        ("version", packed(version)),
        ("kind", packed("FUTURE")),
        ("whatever", packed({"x": [1, 2]})),
    ]
    if order == "kind first":
        entries[:2] = entries[1::-1]
    elif order == "version last":
        entries.append(entries.pop(0))
    wire = body(*entries)

    with pytest.raises(UnsupportedVersion) as caught:
        decode_body(wire)

    assert caught.value.version == version
    assert caught.value.supported == frames.SUPPORTED_VERSIONS


def test_a_frame_msgpack_cannot_carry_is_refused_when_encoded() -> None:
    with pytest.raises(MalformedFrame) as caught:
        encode(frames.Cancel("\ud800"))  # a lone surrogate is not UTF-8
    assert caught.value.kind == "CANCEL"

    with pytest.raises(MalformedFrame):
        encode(frames.Data(cast(bytes, object())))
