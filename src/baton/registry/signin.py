"""Signing in: passwords (argon2id or the host's PAM stack), API tokens, and a throttle.

Used by every edge that authenticates (the API, the broker, the spawner daemon). Failed
attempts are audited in their own transaction, so a rejected request still leaves its record,
and repeated failures for one account or one address are throttled.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

import pamela

from baton.errors import AuthenticationFailed, TooManyAttempts
from baton.registry import access, audit, sessions, tokens, users
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome, AuthSource
from baton.settings import AuthSettings


class SignInThrottle:
    """Refuses sign-in for a key (a user name or an address) after too many recent failures."""

    #: Keys tracked before idle ones are swept (bounds memory under a spray of user names).
    MAX_KEYS = 10_000

    def __init__(self, max_failures: int = 10, window: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, *keys: str) -> float:
        """Seconds until none of ``keys`` is at the failure limit (0: not blocked)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in filter(None, keys):
                failures = self._recent(key, now)
                if len(failures) >= self.max_failures:
                    oldest_that_counts = failures[-self.max_failures]
                    wait = max(wait, oldest_that_counts + self.window - now)
        return wait

    def blocked(self, *keys: str) -> bool:
        """True when any of ``keys`` has reached the failure limit within the window."""
        return self.retry_after(*keys) > 0

    def failed(self, *keys: str) -> None:
        """Count one failure against each key."""
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > self.MAX_KEYS:
                for key in [k for k, v in self._failures.items() if not self._recent(k, now)]:
                    del self._failures[key]
            for key in keys:
                if key:
                    self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        """Forget a key's failures."""
        with self._lock:
            self._failures.pop(key, None)


class VerifiedPasswords:
    """Remembers, for a few minutes, passwords that argon2 already accepted.

    An argon2id check costs a third of a second here on purpose; Basic authentication repeats
    it on every request. Entries are keyed by an HMAC (with a per-process random key) of the
    user name and password, hold the password hash they were checked against, and stop
    matching as soon as that hash changes (a new password) or the entry ages out.
    """

    def __init__(self, ttl: float = 300.0, size: int = 1024) -> None:
        self.ttl = ttl
        self.size = size
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, name: str, password: str) -> bytes:
        message = name.encode() + b"\0" + password.encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def known(self, name: str, password: str, password_hash: str | None) -> bool:
        """True when this password was accepted against this very hash recently."""
        if password_hash is None:
            return False
        digest = self._digest(name, password)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None or entry[1] < time.monotonic():
                return False
            return hmac.compare_digest(entry[0], password_hash)

    def remember(self, name: str, password: str, password_hash: str | None) -> None:
        """Record that argon2 accepted ``password`` against ``password_hash``."""
        if password_hash is None:
            return
        digest = self._digest(name, password)
        with self._lock:
            self._entries[digest] = (password_hash, time.monotonic() + self.ttl)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def check_host_password(name: str, password: str, service: str) -> bool:
    """True when the host's PAM stack accepts ``name``/``password`` (account checked too)."""
    try:
        pamela.authenticate(name, password, service=service, check=True)
    except pamela.PAMError:
        return False
    return True


@dataclass(frozen=True)
class Attempt:
    """Where a sign-in attempt came from (for the audit trail and the throttle)."""

    remote_addr: str = ""
    method: str = "basic"


class SignIn:
    """Turns credentials into a :class:`~baton.registry.access.Principal`, or refuses them."""

    def __init__(self, database: Database, settings: AuthSettings) -> None:
        self.database = database
        self.settings = settings
        self.throttle = SignInThrottle(settings.throttle_failures, settings.throttle_window)
        self.verified = VerifiedPasswords()

    def _audit_failure(self, name: str, attempt: Attempt, reason: str) -> None:
        with self.database.session() as session:
            audit.record(
                session,
                "signin.failed",
                actor=name,
                outcome=AuditOutcome.FAILED,
                remote_addr=attempt.remote_addr,
                detail={"method": attempt.method, "reason": reason},
            )

    def _fail(self, name: str, attempt: Attempt, reason: str) -> AuthenticationFailed:
        """Count and audit a failed attempt; the error to raise."""
        self.throttle.failed(f"user:{name}" if name else "", f"addr:{attempt.remote_addr}")
        self._audit_failure(name, attempt, reason)
        return AuthenticationFailed("invalid credentials")

    def _check_throttle(self, name: str, attempt: Attempt) -> None:
        """Refuse at once (audited, not counted again) while the user or address is blocked."""
        keys = (f"user:{name}" if name else "", f"addr:{attempt.remote_addr}")
        wait = self.throttle.retry_after(*keys)
        if wait > 0:
            self._audit_failure(name, attempt, "throttled")
            raise TooManyAttempts(wait)

    def _host_sign_in(self, name: str, password: str) -> bool:
        """True when PAM accepts a host user (created on first sign-in when configured)."""
        if not self.settings.pam_enabled:
            return False
        with self.database.session() as session:
            user = users.find(session, name)
            known_host_user = user is not None and user.auth_source is AuthSource.HOST
            if not known_host_user and not (user is None and self.settings.pam_create_users):
                return False
        if not check_host_password(name, password, self.settings.pam_service):
            return False
        with self.database.session() as session:
            if users.find(session, name) is None:
                # Audited as created by the host account itself, on its first sign-in.
                users.create_user(
                    session, name, password=None, auth_source=AuthSource.HOST, actor=name
                )
        return True

    def password(
        self, name: str, password: str, attempt: Attempt, *, record_success: bool = False
    ) -> access.Principal:
        """Sign in with a user name and password (local, or PAM for host users).

        A ``signin`` event is recorded when ``record_success`` (a browser session begins) and
        whenever the password was really checked, not recalled from the verified-password
        cache: Basic clients leave one event per user and process every few minutes, not one
        per request.
        """
        self._check_throttle(name, attempt)
        checked = False
        with self.database.session() as session:
            user = users.find(session, name)
            local = user is not None and user.auth_source is AuthSource.LOCAL
            if not (local and user and self.verified.known(name, password, user.password_hash)):
                checked = True
                user = users.check_password(session, name, password)
                if user is not None:
                    self.verified.remember(name, password, user.password_hash)
            if user is not None and user.disabled:
                user = None
            principal = access.principal_for(session, user, method=attempt.method) if user else None
        if principal is None and self._host_sign_in(name, password):
            with self.database.session() as session:
                host_user = users.find(session, name)
                if host_user is not None and not host_user.disabled:
                    principal = access.principal_for(session, host_user, method="host")
        if principal is None:
            raise self._fail(name, attempt, "wrong password, unknown or disabled user")
        self.throttle.succeeded(f"user:{name}")
        if record_success or checked:
            with self.database.session() as session:
                audit.record(
                    session,
                    "signin",
                    actor=name,
                    remote_addr=attempt.remote_addr,
                    detail={"method": principal.method},
                )
        return principal

    def token(self, token: str, attempt: Attempt) -> access.Principal:
        """Sign in with an API token."""
        self._check_throttle("", attempt)
        with self.database.session() as session:
            found = tokens.check_token(session, token)
            if found is not None:
                user, token_id = found
                return access.principal_for(session, user, method="bearer", token_id=token_id)
        raise self._fail("", attempt, "unknown, expired or revoked token")

    def browser(self, token: str, attempt: Attempt) -> tuple[access.Principal, str]:
        """The principal of a live browser session and the session's CSRF token."""
        with self.database.session() as session:
            found = sessions.find(session, token)
            if found is not None:
                user, csrf = found
                return access.principal_for(session, user, method="cookie"), csrf
        raise AuthenticationFailed("the session has ended; sign in again")
