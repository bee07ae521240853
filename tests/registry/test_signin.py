"""Signing in: passwords, the verified-password cache, the throttle, tokens, host (PAM) users."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from baton.errors import AuthenticationFailed, TooManyAttempts
from baton.registry import audit, sessions, tokens, users
from baton.registry.database import Database
from baton.registry.enums import AuthSource
from baton.registry.models import BrowserSession
from baton.registry.signin import Attempt, SignIn, SignInThrottle, VerifiedPasswords
from baton.settings import AuthSettings
from tests.osusers import throwaway_user

ATTEMPT = Attempt(remote_addr="192.0.2.7")


@pytest.fixture
def sign_in(database: Database) -> SignIn:
    with database.session() as session:
        users.create_user(session, "ada", password="analytical-engine")
    return SignIn(database, AuthSettings())


def failures(database: Database) -> int:
    with database.session() as session:
        return audit.list_events(session, action="signin.failed").total


def test_password_sign_in(sign_in: SignIn, database: Database) -> None:
    principal = sign_in.password("ada", "analytical-engine", ATTEMPT)
    assert principal.name == "ada"
    assert {"PUBLIC", "AUTHENTICATED"} <= principal.groups
    with pytest.raises(AuthenticationFailed):
        sign_in.password("ada", "difference-engine", ATTEMPT)
    with pytest.raises(AuthenticationFailed):
        sign_in.password("nobody", "analytical-engine", ATTEMPT)
    assert failures(database) == 2


def test_success_is_audited_when_the_password_is_really_checked(
    sign_in: SignIn, database: Database
) -> None:
    def signins() -> list[tuple[str, str, str]]:
        with database.session() as session:
            events = audit.list_events(session, action="signin").items
        return [(e.actor, e.remote_addr, e.detail["method"]) for e in reversed(events)]

    sign_in.password("ada", "analytical-engine", ATTEMPT)  # argon2: a real sign-in
    assert signins() == [("ada", "192.0.2.7", "basic")]
    sign_in.password("ada", "analytical-engine", ATTEMPT)  # recalled: not a new event
    assert len(signins()) == 1
    cookie = Attempt(remote_addr="192.0.2.8", method="cookie")
    sign_in.password("ada", "analytical-engine", cookie, record_success=True)  # a session
    assert signins()[-1] == ("ada", "192.0.2.8", "cookie")


def test_cached_password_stops_matching_after_change_or_disable(
    sign_in: SignIn, database: Database
) -> None:
    sign_in.password("ada", "analytical-engine", ATTEMPT)
    with database.session() as session:
        users.set_password(session, "ada", "new-password-1")
    with pytest.raises(AuthenticationFailed):
        sign_in.password("ada", "analytical-engine", ATTEMPT)
    sign_in.password("ada", "new-password-1", ATTEMPT)
    with database.session() as session:
        users.update_user(session, "ada", disabled=True)
    with pytest.raises(AuthenticationFailed):
        sign_in.password("ada", "new-password-1", ATTEMPT)


def test_verified_passwords_cache() -> None:
    cache = VerifiedPasswords(ttl=60, size=2)
    cache.remember("a", "pw", "hash-1")
    assert cache.known("a", "pw", "hash-1")
    assert not cache.known("a", "pw", "hash-2")
    assert not cache.known("a", "other", "hash-1")
    assert not cache.known("b", "pw", "hash-1")
    cache.remember("b", "pw", "h")
    cache.remember("c", "pw", "h")
    assert not cache.known("a", "pw", "hash-1")  # evicted: the cache is bounded
    expired = VerifiedPasswords(ttl=-1)
    expired.remember("a", "pw", "h")
    assert not expired.known("a", "pw", "h")


def test_throttle_blocks_after_repeated_failures(sign_in: SignIn) -> None:
    for _ in range(sign_in.throttle.max_failures):
        with pytest.raises(AuthenticationFailed):
            sign_in.password("ada", "wrong-password", Attempt(remote_addr="198.51.100.1"))
    # Even the right password is refused for this account now, from any address.
    with pytest.raises(TooManyAttempts) as caught:
        sign_in.password("ada", "analytical-engine", Attempt(remote_addr="203.0.113.9"))
    assert 0 < caught.value.retry_after <= sign_in.throttle.window


def test_throttle_window_and_reset() -> None:
    throttle = SignInThrottle(max_failures=2, window=60)
    throttle.failed("user:x", "addr:1")
    assert not throttle.blocked("user:x")
    throttle.failed("user:x")
    assert throttle.blocked("user:x")
    assert throttle.blocked("user:y", "user:x")
    throttle.succeeded("user:x")
    assert not throttle.blocked("user:x")
    short = SignInThrottle(max_failures=1, window=-1)
    short.failed("k")
    assert not short.blocked("k")  # failures older than the window are forgotten


def test_token_sign_in(sign_in: SignIn, database: Database) -> None:
    with database.session() as session:
        issued = tokens.create_token(session, "ada", "ci", days=1, max_days=10)
    principal = sign_in.token(issued.token, ATTEMPT)
    assert (principal.name, principal.method, principal.token_id) == (
        "ada",
        "bearer",
        issued.info.id,
    )
    with database.session() as session:
        tokens.revoke_token(session, issued.info.id, actor="ada")
    with pytest.raises(AuthenticationFailed):
        sign_in.token(issued.token, ATTEMPT)
    with pytest.raises(AuthenticationFailed):
        sign_in.token("bt_" + secrets.token_urlsafe(32), ATTEMPT)


def test_browser_sessions_end_on_sign_out_password_change_and_disable(
    sign_in: SignIn, database: Database
) -> None:
    with database.session() as session:
        ada = users.load(session, "ada")
        first, csrf = sessions.start(session, ada, seconds=3600)
        second, _ = sessions.start(session, ada, seconds=3600)
        third, _ = sessions.start(session, ada, seconds=3600)
    principal, found_csrf = sign_in.browser(first, ATTEMPT)
    assert (principal.name, principal.method, found_csrf) == ("ada", "cookie", csrf)
    with database.session() as session:
        sessions.end(session, first)
    with pytest.raises(AuthenticationFailed):
        sign_in.browser(first, ATTEMPT)
    sign_in.browser(second, ATTEMPT)
    with database.session() as session:
        users.update_user(session, "ada", disabled=True)
        users.update_user(session, "ada", disabled=False)
    # Disabling ended them for good: enabling the user again does not bring them back.
    for token in (second, third):
        with pytest.raises(AuthenticationFailed):
            sign_in.browser(token, ATTEMPT)
    with database.session() as session:
        fourth, _ = sessions.start(session, users.load(session, "ada"), seconds=3600)
    sign_in.browser(fourth, ATTEMPT)
    with database.session() as session:
        users.set_password(session, "ada", "another-password")
    with pytest.raises(AuthenticationFailed):
        sign_in.browser(fourth, ATTEMPT)


def test_expired_browser_session(sign_in: SignIn, database: Database) -> None:
    with database.session() as session:
        token, _ = sessions.start(session, users.load(session, "ada"), seconds=-1)
    with pytest.raises(AuthenticationFailed):
        sign_in.browser(token, ATTEMPT)
    with database.session() as session:  # the next sign-in sweeps expired sessions away
        sessions.start(session, users.load(session, "ada"), seconds=60)
        assert session.scalar(select(func.count()).select_from(BrowserSession)) == 1


# --- host authentication through PAM, with a real OS account --------------------------------


@pytest.fixture
def os_account() -> Iterator[tuple[str, str]]:
    """A throwaway OS user with a password (root only; CI runs as root)."""
    with throwaway_user("host authentication tests") as account:
        yield account


@pytest.mark.root
def test_host_user_signs_in_through_pam(database: Database, os_account: tuple[str, str]) -> None:
    name, password = os_account
    with database.session() as session:
        users.create_user(session, name, password=None, auth_source=AuthSource.HOST)
    disabled = SignIn(database, AuthSettings(pam_enabled=False))
    with pytest.raises(AuthenticationFailed):
        disabled.password(name, password, ATTEMPT)
    enabled = SignIn(database, AuthSettings(pam_enabled=True))
    assert enabled.password(name, password, ATTEMPT).method == "host"
    with pytest.raises(AuthenticationFailed):
        enabled.password(name, password + "x", ATTEMPT)


@pytest.mark.root
def test_pam_creates_unknown_users_only_when_configured(
    database: Database, os_account: tuple[str, str]
) -> None:
    name, password = os_account
    with pytest.raises(AuthenticationFailed):
        SignIn(database, AuthSettings(pam_enabled=True)).password(name, password, ATTEMPT)
    creating = SignIn(database, AuthSettings(pam_enabled=True, pam_create_users=True))
    assert creating.password(name, password, ATTEMPT).name == name
    with database.session() as session:
        assert users.get_user(session, name).auth_source is AuthSource.HOST
