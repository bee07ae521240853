"""SessionStore on its own: owners, sliding expiry, holds, sweeping (on a clock we move)."""

from __future__ import annotations

import pytest

from baton.appserver.sessions import SessionOutcome, SessionStore
from baton.errors import SessionNotFound


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> SessionStore:
    return SessionStore(clock)


def created(store: SessionStore, user: str | None = "ada", timeout: float = 10.0) -> str:
    """A session created by a request of ``user`` that has ended."""
    request = store.begin(None, user)
    session_id = request.create(timeout)
    request.finish()
    return session_id


def test_only_the_owner_reaches_a_session(store: SessionStore) -> None:
    session_id = created(store, "ada")
    for user in ("bob", None):
        with pytest.raises(SessionNotFound) as refused:
            store.begin(session_id, user)
        assert refused.value.session_id == session_id
    with pytest.raises(SessionNotFound):
        store.begin("unknown", "ada")
    request = store.begin(session_id, "ada")
    assert request.current_id() == session_id
    anonymous = created(store, None)
    store.begin(anonymous, None).finish()


def test_each_request_slides_the_expiry(store: SessionStore, clock: Clock) -> None:
    session_id = created(store, timeout=10.0)
    for _ in range(3):
        clock.now += 9.0
        store.begin(session_id, "ada").finish()
    clock.now += 9.0
    assert len(store) == 1
    clock.now += 1.0
    assert len(store) == 0
    with pytest.raises(SessionNotFound):
        store.begin(session_id, "ada")


def test_a_held_session_does_not_expire(store: SessionStore, clock: Clock) -> None:
    session_id = created(store, timeout=10.0)
    request = store.begin(session_id, "ada")
    clock.now += 60.0
    assert store.sweep() == 0 and len(store) == 1
    request.finish()  # its expiry counts from the end of the request
    clock.now += 9.0
    assert store.sweep() == 0
    clock.now += 1.0
    assert store.sweep() == 1 and store.get(session_id) is None


def test_outcomes(store: SessionStore) -> None:
    request = store.begin(None, "ada")
    assert request.outcome() == SessionOutcome()
    session_id = request.create(10.0)
    assert request.create(20.0) == session_id  # a live session is only re-timed
    assert request.outcome() == SessionOutcome(session_id, created=True)
    request.finish()
    data = request.data()
    assert data is not None
    data["count"] = 1
    later = store.begin(session_id, "ada")
    assert later.data() == {"count": 1}
    assert later.outcome() == SessionOutcome(session_id)
    later.delete()
    assert later.data() is None and later.current_id() is None
    replaced = later.create(5.0)
    assert later.outcome() == SessionOutcome(replaced, created=True, deleted=True)
    later.finish()
    assert len(store) == 1


def test_created_and_deleted_in_one_request_reports_nothing(store: SessionStore) -> None:
    request = store.begin(None, "ada")
    request.create(10.0)
    request.delete()
    assert request.outcome() == SessionOutcome()
    request.finish()
    assert len(store) == 0
