"""The frames: one dataclass per kind, the schema in step with them, constructor checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from baton.errors import FrameTooLarge, MalformedFrame, ProtocolError, UnsupportedVersion
from baton.protocol import frames
from baton.protocol.frames import FRAME_TYPES, FROM_BROKER, FROM_SERVER, ErrorCode, FrameKind
from baton.protocol.schema import ENVELOPE, FIELDS


def test_every_kind_has_its_dataclass() -> None:
    assert set(FRAME_TYPES) == set(FrameKind)
    for kind, cls in FRAME_TYPES.items():
        assert cls.kind is kind
        assert dataclasses.is_dataclass(cls)


@pytest.mark.parametrize("kind", list(FrameKind), ids=str)
def test_the_schema_names_the_dataclass_fields_in_order(kind: FrameKind) -> None:
    names = [field.name for field in dataclasses.fields(FRAME_TYPES[kind])]

    assert list(FIELDS[kind]) == names
    assert not set(names) & set(ENVELOPE)


def test_every_kind_has_a_sender() -> None:
    assert set(FrameKind) == FROM_BROKER | FROM_SERVER
    assert {FrameKind.ERROR} == FROM_BROKER & FROM_SERVER


def test_frames_are_frozen() -> None:
    head = frames.Head(200)

    with pytest.raises(dataclasses.FrozenInstanceError):
        head.status = 404  # type: ignore[misc]


def test_request_defaults() -> None:
    request = frames.Request("r1", "sample.hello")

    assert request.fields == () and request.files == () and dict(request.env) == {}
    assert request.user is None and request.session_id is None
    assert request.debug == 0 and request.deadline == frames.DEFAULT_DEADLINE


INVALID: list[tuple[Callable[[], object], FrameKind, str]] = [
    (lambda: frames.Request("", "sample.hello"), FrameKind.REQUEST, "request_id"),
    (lambda: frames.Request("r1", ""), FrameKind.REQUEST, "program"),
    (lambda: frames.Request("r1", "p", debug=-1), FrameKind.REQUEST, "debug"),
    (lambda: frames.Request("r1", "p", debug=2**32), FrameKind.REQUEST, "debug"),
    (lambda: frames.Request("r1", "p", deadline=0.0), FrameKind.REQUEST, "deadline"),
    (lambda: frames.Request("r1", "p", deadline=float("inf")), FrameKind.REQUEST, "deadline"),
    (lambda: frames.Request("r1", "p", deadline=float("nan")), FrameKind.REQUEST, "deadline"),
    (lambda: frames.Head(99), FrameKind.HEAD, "status"),
    (lambda: frames.Head(600), FrameKind.HEAD, "status"),
    (lambda: frames.End(0), FrameKind.END, "status"),
    (lambda: frames.End(200, timings={"run": -1.0}), FrameKind.END, "timings['run']"),
    (lambda: frames.End(200, timings={"run": float("nan")}), FrameKind.END, "timings['run']"),
    (lambda: frames.Error(""), FrameKind.ERROR, "code"),
    (lambda: frames.Cancel(""), FrameKind.CANCEL, "request_id"),
    (lambda: frames.Hello("", 1, "n", 1, "p"), FrameKind.HELLO, "lease"),
    (lambda: frames.Hello("l", -1, "n", 1, "p"), FrameKind.HELLO, "expires"),
    (lambda: frames.Hello("l", 2**63, "n", 1, "p"), FrameKind.HELLO, "expires"),
    (lambda: frames.Hello("l", 1, "", 1, "p"), FrameKind.HELLO, "nonce"),
    (lambda: frames.Hello("l", 1, "n", -5, "p"), FrameKind.HELLO, "time"),
    (lambda: frames.Hello("l", 1, "n", 1, ""), FrameKind.HELLO, "proof"),
    (lambda: frames.StatusReply(-1, 1, 0, 0, 0, 0.0), FrameKind.STATUS_REPLY, "pid"),
    (lambda: frames.StatusReply(1, 1, 0, 2**63, 0, 0.0), FrameKind.STATUS_REPLY, "served"),
    (lambda: frames.StatusReply(1, 1, 0, 0, 0, -1.0), FrameKind.STATUS_REPLY, "uptime"),
]


@pytest.mark.parametrize(("build", "kind", "field"), INVALID)
def test_constructors_refuse_what_the_wire_refuses(
    build: Callable[[], object], kind: FrameKind, field: str
) -> None:
    with pytest.raises(MalformedFrame) as caught:
        build()

    assert caught.value.kind == kind.value
    assert caught.value.field == field
    assert f"{kind.value} frame, {field}:" in caught.value.detail


def test_protocol_error_codes_are_error_frame_codes() -> None:
    for error in (
        FrameTooLarge(20, 10),
        MalformedFrame("bad"),
        UnsupportedVersion(9, (1,)),
    ):
        frame = frames.Error.from_error(error)

        assert ErrorCode(frame.code).value == error.code
        assert frame.message == error.detail
        assert isinstance(error, ProtocolError)
