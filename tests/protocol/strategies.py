"""Hypothesis strategies: valid frames of every kind, and msgpack-shaped garbage."""

from __future__ import annotations

from hypothesis import strategies as st

from baton.protocol import frames
from baton.protocol.frames import MAX_INT, FrameKind

# Small collections keep examples fast; the codec's loops do not care about length.
texts = st.text(max_size=20)
names = st.text(min_size=1, max_size=20)
pairs = st.lists(st.tuples(texts, texts), max_size=4).map(tuple)
seconds = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)
deadlines = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
statuses = st.integers(min_value=100, max_value=599)
counts = st.integers(min_value=0, max_value=MAX_INT)

uploaded_files = st.builds(
    frames.UploadedFile,
    field=texts,
    filename=texts,
    content_type=texts,
    content=st.binary(max_size=64),
)

FRAMES: dict[FrameKind, st.SearchStrategy[frames.Frame]] = {
    FrameKind.HELLO: st.builds(
        frames.Hello, lease=names, expires=counts, nonce=names, time=counts, proof=names
    ),
    FrameKind.REQUEST: st.builds(
        frames.Request,
        request_id=names,
        program=names,
        fields=pairs,
        files=st.lists(uploaded_files, max_size=3).map(tuple),
        env=st.dictionaries(texts, texts, max_size=4),
        user=st.none() | texts,
        session_id=st.none() | texts,
        debug=st.integers(min_value=0, max_value=2**32 - 1),
        deadline=deadlines,
    ),
    FrameKind.HEAD: st.builds(frames.Head, status=statuses, headers=pairs),
    FrameKind.DATA: st.builds(frames.Data, chunk=st.binary(max_size=256)),
    FrameKind.END: st.builds(
        frames.End,
        status=statuses,
        log=st.lists(texts, max_size=4).map(tuple),
        timings=st.dictionaries(texts, seconds, max_size=4),
        session_id=st.none() | texts,
        session_created=st.booleans(),
        session_deleted=st.booleans(),
    ),
    FrameKind.ERROR: st.builds(
        frames.Error, code=names | st.sampled_from(frames.ErrorCode), message=texts
    ),
    FrameKind.CANCEL: st.builds(frames.Cancel, request_id=names),
    FrameKind.PING: st.just(frames.Ping()),
    FrameKind.PONG: st.just(frames.Pong()),
    FrameKind.STATUS: st.just(frames.Status()),
    FrameKind.STATUS_REPLY: st.builds(
        frames.StatusReply,
        pid=counts,
        capacity=counts,
        active=counts,
        served=counts,
        sessions=counts,
        uptime=seconds,
    ),
}

any_frame: st.SearchStrategy[frames.Frame] = st.one_of(*FRAMES.values())

#: Any value msgpack can pack: what a confused or hostile peer could put anywhere.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=10)
    | st.binary(max_size=10)
)
msgpack_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
