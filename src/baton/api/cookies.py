"""The browser session cookie: signed, timed, HttpOnly, carrying its CSRF token.

The cookie holds the user's id, a fingerprint of their password hash (a password change ends
every older session) and a random CSRF token. Its signature uses the key in
``BATON_HOME/session.key``. State-changing requests authenticated by the cookie must send the
CSRF token back in the ``X-CSRF-Token`` header, which another site cannot read or forge.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class SessionData:
    """What a valid session cookie says."""

    user_id: int
    password_version: str
    csrf_token: str


class SessionCookie:
    """Issues and verifies session cookies."""

    def __init__(self, secret: bytes, *, name: str, max_age: int, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="baton-session")
        self.name = name
        self.max_age = max_age
        self.secure = secure

    def issue(self, user_id: int, password_version: str) -> tuple[str, SessionData]:
        """A new cookie value and what it holds."""
        data = SessionData(user_id, password_version, secrets.token_urlsafe(24))
        value = self._serializer.dumps([data.user_id, data.password_version, data.csrf_token])
        return value, data

    def read(self, value: str) -> SessionData | None:
        """The session a cookie value carries, or None if forged, malformed or expired."""
        try:
            raw = self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:
            return None
        if (
            not isinstance(raw, list)
            or len(raw) != 3
            or not isinstance(raw[0], int)
            or not all(isinstance(part, str) for part in raw[1:])
        ):
            return None
        return SessionData(raw[0], raw[1], raw[2])

    def header(self, value: str) -> str:
        """The Set-Cookie header value that stores ``value``."""
        secure = "; Secure" if self.secure else ""
        return (
            f"{self.name}={value}; Path=/; Max-Age={self.max_age}; HttpOnly; SameSite=Lax{secure}"
        )

    def clearing_header(self) -> str:
        """The Set-Cookie header value that deletes the cookie."""
        secure = "; Secure" if self.secure else ""
        return f"{self.name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
