"""Whatever the bytes, decoding returns a frame or raises a ProtocolError, nothing else.

Each property also checks that a frame decoded from garbage is a real frame: it encodes, and
decodes back equal.
"""

from __future__ import annotations

from typing import cast

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.errors import ProtocolError
from baton.protocol import frames
from baton.protocol.codec import PREFIX, decode, decode_body, encode, strict_decode_body
from baton.protocol.fastpath import fast_decode
from baton.protocol.frames import FrameKind
from baton.protocol.schema import FIELDS
from tests.protocol.strategies import any_frame, msgpack_values

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decodes_or_refuses(data: bytes, *, body: bool = False) -> None:
    """``data`` decodes to a frame that survives a round trip, or raises a ProtocolError.

    For a body, the fast path must never accept what the strict reader refuses, nor read it
    differently.
    """
    if body:
        fast = fast_decode(data)
        try:
            strict: frames.Frame | None = strict_decode_body(data)
        except ProtocolError:
            strict = None
        if fast is not None:
            assert fast == strict
    try:
        frame = decode_body(data) if body else decode(data)
    except ProtocolError:
        return
    assert decode(encode(frame)) == frame


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    decodes_or_refuses(data)
    decodes_or_refuses(data, body=True)
    decodes_or_refuses(PREFIX.pack(len(data)) + data)  # well framed, arbitrary body


@FUZZ
@given(
    frame=any_frame,
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
    cut=st.none() | st.integers(min_value=0),
    insert=st.none() | st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=8)),
)
def test_mutated_valid_frames(
    frame: frames.Frame,
    flips: list[tuple[int, int]],
    cut: int | None,
    insert: tuple[int, bytes] | None,
) -> None:
    wire = bytearray(encode(frame))
    for position, byte in flips:
        wire[position % len(wire)] = byte
    if insert is not None:
        position, extra = insert
        wire[position % len(wire) : position % len(wire)] = extra
    if cut is not None:
        del wire[cut % len(wire) :]
    mutated = bytes(wire)

    decodes_or_refuses(mutated)
    decodes_or_refuses(mutated[4:], body=True)
    decodes_or_refuses(PREFIX.pack(max(len(mutated) - 4, 0)) + mutated[4:])


kinds = st.sampled_from([kind.value for kind in FrameKind]) | st.text(max_size=8)
field_names = st.sampled_from(sorted({name for names in FIELDS.values() for name in names}))


@FUZZ
@given(
    version=st.just(1) | msgpack_values,
    kind=kinds,
    fields=st.dictionaries(field_names | st.text(max_size=8), msgpack_values, max_size=10),
)
def test_maps_of_known_and_unknown_fields_with_garbage_values(
    version: object, kind: str, fields: dict[str, object]
) -> None:
    wire = cast(bytes, msgpack.packb({"version": version, "kind": kind, **fields}))

    decodes_or_refuses(wire, body=True)


@FUZZ
@given(frame=any_frame, data=st.data())
def test_valid_frames_with_one_field_replaced_by_garbage(
    frame: frames.Frame, data: st.DataObject
) -> None:
    wire = msgpack.unpackb(encode(frame)[4:], raw=False)
    names = list(wire)
    replaced = data.draw(st.sampled_from(names), label="field")
    wire[replaced] = data.draw(msgpack_values, label="value")

    decodes_or_refuses(cast(bytes, msgpack.packb(wire, use_bin_type=True)), body=True)


@FUZZ
@given(st.recursive(msgpack_values, lambda children: st.lists(children, max_size=3)))
def test_any_msgpack_value(value: object) -> None:
    decodes_or_refuses(cast(bytes, msgpack.packb(value, use_bin_type=True)), body=True)


@FUZZ
@given(any_frame)
def test_the_fast_path_takes_every_valid_frame(frame: frames.Frame) -> None:
    body = encode(frame)[4:]
    assert fast_decode(body) == frame == strict_decode_body(body)
