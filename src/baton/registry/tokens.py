"""API tokens: 256-bit random secrets, shown once, stored as SHA-256, with expiry and revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.errors import InvalidInput, NotFound
from baton.registry import audit, users
from baton.registry.models import ApiToken, User, utcnow
from baton.registry.paging import paginate
from baton.registry.records import IssuedToken, Page, TokenRecord

TOKEN_PREFIX = "bt_"


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _to_record(row: ApiToken, user: str) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        user=user,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def create_token(
    session: Session,
    user_name: str,
    name: str,
    *,
    days: int,
    max_days: int,
    actor: str | None = None,
) -> IssuedToken:
    """Issue a token for ``user_name`` valid for ``days`` days (at most ``max_days``)."""
    if not 1 <= days <= max_days:
        raise InvalidInput("days", f"must be between 1 and {max_days}")
    if not name.strip() or len(name) > 100:
        raise InvalidInput("name", "must be 1 to 100 characters")
    user = users.load(session, user_name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=token[:10],
        token_hash=hash_token(token),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "token.create",
        actor=user_name if actor is None else actor,
        resource=f"token:{row.id}",
        detail={"user": user_name, "name": name},
    )
    return IssuedToken(token=token, info=_to_record(row, user.name))


def list_tokens(
    session: Session, user_name: str | None = None, *, limit: int = 50, offset: int = 0
) -> Page[TokenRecord]:
    """Tokens of one user (or of everyone), newest first; secrets are never listed."""
    statement = select(ApiToken).order_by(ApiToken.id.desc())
    if user_name is not None:
        statement = statement.join(User, ApiToken.user_id == User.id).where(User.name == user_name)
    return paginate(
        session, statement, lambda row: _to_record(row, row.user.name), limit=limit, offset=offset
    )


def get_token(session: Session, token_id: int) -> TokenRecord:
    """One token's metadata."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("token", token_id)
    return _to_record(row, row.user.name)


def revoke_token(session: Session, token_id: int, *, actor: str) -> TokenRecord:
    """Revoke a token (idempotent; audited)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    audit.record(session, "token.revoke", actor=actor, resource=f"token:{token_id}")
    session.flush()
    return get_token(session, token_id)


def check_token(
    session: Session, token: str, *, now: datetime | None = None
) -> tuple[User, int] | None:
    """The enabled user a valid (known, unexpired, unrevoked) token belongs to, and its id."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = now or utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now  # coarse, so every request does not write
    return user, row.id
