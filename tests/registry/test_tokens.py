"""API tokens: shown once, stored hashed, checked for expiry, revocation and disabled users."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from baton.errors import InvalidInput, NotFound
from baton.registry import audit, tokens, users
from baton.registry.database import Database
from baton.registry.models import ApiToken, utcnow
from baton.registry.records import IssuedToken, TokenRecord
from tests.registry.conftest import host_user

MAX_DAYS = 365


def issue(
    database: Database, user: str = "alice", name: str = "laptop", days: int = 30
) -> IssuedToken:
    with database.session() as session:
        if users.find(session, user) is None:
            host_user(session, user)
        return tokens.create_token(session, user, name, days=days, max_days=MAX_DAYS)


def test_create_token(database: Database) -> None:
    before = utcnow()
    issued = issue(database, days=30)
    assert issued.token.startswith(tokens.TOKEN_PREFIX)
    assert len(issued.token) >= 40
    info = issued.info
    assert (info.user, info.name) == ("alice", "laptop")
    assert info.prefix == issued.token[:10]
    assert info.revoked_at is None and info.last_used_at is None
    assert before + timedelta(days=30) <= info.expires_at <= utcnow() + timedelta(days=30)
    with database.session() as session:
        (event,) = audit.list_events(session, action="token.create").items
    assert (event.actor, event.resource) == ("alice", f"token:{info.id}")


def test_tokens_are_unique(database: Database) -> None:
    first, second = issue(database), issue(database)
    assert first.token != second.token
    assert first.info.id != second.info.id


def test_token_is_stored_only_hashed(database: Database) -> None:
    issued = issue(database)
    with database.session() as session:
        row = session.get(ApiToken, issued.info.id)
        assert row is not None
        assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        assert row.token_hash != issued.token
        raw = session.execute(
            text("SELECT * FROM api_tokens WHERE id = :id"), {"id": issued.info.id}
        ).one()
    values = [str(value) for value in raw]
    assert all(issued.token not in value for value in values)
    # The secret part (beyond the listed prefix) appears nowhere.
    assert all(issued.token[10:20] not in value for value in values)


def test_records_carry_no_secret(database: Database) -> None:
    issued = issue(database)
    assert "token" not in TokenRecord.model_fields
    with database.session() as session:
        listed = tokens.list_tokens(session, "alice").items
        fetched = tokens.get_token(session, issued.info.id)
    for record in (*listed, fetched):
        assert issued.token not in record.model_dump_json()


def test_check_valid_token(database: Database) -> None:
    issued = issue(database)
    with database.session() as session:
        checked = tokens.check_token(session, issued.token)
        assert checked is not None
        user, token_id = checked
        assert (user.name, token_id) == ("alice", issued.info.id)
    with database.session() as session:
        assert tokens.get_token(session, issued.info.id).last_used_at is not None


def test_expired_token(database: Database) -> None:
    issued = issue(database, days=1)
    expires = issued.info.expires_at
    with database.session() as session:
        assert tokens.check_token(session, issued.token, now=expires - timedelta(seconds=1))
        assert tokens.check_token(session, issued.token, now=expires) is None
        assert tokens.check_token(session, issued.token, now=utcnow() + timedelta(days=2)) is None


def test_revoked_token(database: Database) -> None:
    issued = issue(database)
    other = issue(database, name="other")
    with database.session() as session:
        revoked = tokens.revoke_token(session, issued.info.id, actor="admin")
    assert revoked.revoked_at is not None
    with database.session() as session:
        assert tokens.check_token(session, issued.token) is None
        assert tokens.check_token(session, other.token) is not None
        again = tokens.revoke_token(session, issued.info.id, actor="admin")
    assert again.revoked_at == revoked.revoked_at
    with database.session() as session:
        events = audit.list_events(session, action="token.revoke").items
    assert [(e.actor, e.resource) for e in events] == [("admin", f"token:{issued.info.id}")] * 2
    with pytest.raises(NotFound), database.session() as session:
        tokens.revoke_token(session, 999_999, actor="admin")


def test_token_of_disabled_user(database: Database) -> None:
    issued = issue(database)
    with database.session() as session:
        users.update_user(session, "alice", disabled=True)
    with database.session() as session:
        assert tokens.check_token(session, issued.token) is None
        users.update_user(session, "alice", disabled=False)
    with database.session() as session:
        assert tokens.check_token(session, issued.token) is not None


@pytest.mark.parametrize(
    "garbage",
    ["", "bt_", "bt_garbage", "Bearer bt_x", "bh_" + "a" * 43, "bt_" + "a" * 300, "x" * 46],
)
def test_garbage_tokens(database: Database, garbage: str) -> None:
    issue(database)
    with database.session() as session:
        assert tokens.check_token(session, garbage) is None


def test_altered_token(database: Database) -> None:
    issued = issue(database)
    last = issued.token[-1]
    altered = issued.token[:-1] + ("A" if last != "A" else "B")
    with database.session() as session:
        assert tokens.check_token(session, altered) is None
        assert tokens.check_token(session, issued.token + "x") is None


@pytest.mark.parametrize("days", [0, -1, MAX_DAYS + 1])
def test_days_out_of_range(database: Database, days: int) -> None:
    with database.session() as session:
        host_user(session, "alice")
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        tokens.create_token(session, "alice", "t", days=days, max_days=MAX_DAYS)
    assert caught.value.field == "days"
    with database.session() as session:
        assert tokens.list_tokens(session).total == 0


def test_days_bounds_are_inclusive(database: Database) -> None:
    assert issue(database, days=1).info
    assert issue(database, days=MAX_DAYS).info


@pytest.mark.parametrize("name", ["", "   ", "n" * 101])
def test_bad_token_name(database: Database, name: str) -> None:
    with database.session() as session:
        host_user(session, "alice")
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        tokens.create_token(session, "alice", name, days=1, max_days=MAX_DAYS)
    assert caught.value.field == "name"


def test_token_for_unknown_user(database: Database) -> None:
    with pytest.raises(NotFound) as caught, database.session() as session:
        tokens.create_token(session, "ghost", "t", days=1, max_days=MAX_DAYS)
    assert caught.value.kind == "user"


def test_list_and_get_tokens(database: Database) -> None:
    a1 = issue(database, "alice", "one")
    b1 = issue(database, "bob", "bobs")
    a2 = issue(database, "alice", "two")
    with database.session() as session:
        alices = tokens.list_tokens(session, "alice")
        everyone = tokens.list_tokens(session, limit=2)
        fetched = tokens.get_token(session, b1.info.id)
    assert [t.id for t in alices.items] == [a2.info.id, a1.info.id]
    assert alices.total == 2
    assert everyone.total == 3
    assert [t.id for t in everyone.items] == [a2.info.id, b1.info.id]
    assert (fetched.user, fetched.name) == ("bob", "bobs")
    with pytest.raises(NotFound), database.session() as session:
        tokens.get_token(session, 999_999)


def test_last_used_is_written_coarsely(database: Database) -> None:
    issued = issue(database)
    now = utcnow()
    with database.session() as session:
        assert tokens.check_token(session, issued.token, now=now)
    with database.session() as session:
        assert tokens.check_token(session, issued.token, now=now + timedelta(seconds=30))
    with database.session() as session:
        stored = session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == issued.info.id))
    assert stored == now
    with database.session() as session:
        assert tokens.check_token(session, issued.token, now=now + timedelta(minutes=2))
        assert tokens.get_token(session, issued.info.id).last_used_at == now + timedelta(minutes=2)
