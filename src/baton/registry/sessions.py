"""Browser sessions, kept on the server: signing out, a password change or disabling the user
ends them at once, not when the cookie expires."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from baton.registry.models import BrowserSession, User, utcnow
from baton.registry.tokens import hash_token


def start(session: Session, user: User, *, seconds: int, remote_addr: str = "") -> tuple[str, str]:
    """Begin a session for ``user``; returns ``(token, csrf_token)``. The token goes in the
    (signed) cookie and is stored only as a hash."""
    now = utcnow()
    session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    session.add(
        BrowserSession(
            token_hash=hash_token(token),
            user_id=user.id,
            csrf_token=csrf,
            remote_addr=remote_addr,
            expires_at=now + timedelta(seconds=seconds),
        )
    )
    session.flush()
    return token, csrf


def find(session: Session, token: str) -> tuple[User, str] | None:
    """The enabled user of a live session and its CSRF token, or None."""
    row = session.scalar(
        select(BrowserSession).where(BrowserSession.token_hash == hash_token(token))
    )
    if row is None or row.expires_at <= utcnow() or row.user.disabled:
        return None
    return row.user, row.csrf_token


def end(session: Session, token: str) -> None:
    """End one session (idempotent)."""
    session.execute(delete(BrowserSession).where(BrowserSession.token_hash == hash_token(token)))


def end_all(session: Session, user_id: int) -> int:
    """End every session of a user; returns how many there were."""
    result = session.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)
