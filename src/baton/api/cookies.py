"""The browser session cookie: the signed token of a server-side session.

The cookie carries a random token, signed with the key in ``BATON_HOME/session.key`` so a forged
cookie is refused without a database lookup; the session itself (its user, expiry and CSRF
token) lives in the registry (``registry/sessions.py``), so signing out, a password change or
disabling the user ends it at once. State-changing requests authenticated by the cookie must
send the session's CSRF token back in the ``X-CSRF-Token`` header, which another site can
neither read nor forge.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

CSRF_HEADER = "x-csrf-token"


class SessionCookie:
    """Signs and verifies session cookies and writes their Set-Cookie headers."""

    def __init__(self, secret: bytes, *, name: str, max_age: int, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="baton-session")
        self.name = name
        self.max_age = max_age
        self.secure = secure

    def value(self, token: str) -> str:
        """The cookie value that carries ``token``."""
        return self._serializer.dumps(token)

    def token(self, value: str) -> str | None:
        """The token a cookie value carries, or None if forged, malformed or too old."""
        try:
            token = self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:
            return None
        return token if isinstance(token, str) and 0 < len(token) <= 100 else None

    def header(self, token: str) -> str:
        """The Set-Cookie header value that stores ``token``."""
        secure = "; Secure" if self.secure else ""
        return (
            f"{self.name}={self.value(token)}; Path=/; Max-Age={self.max_age}; HttpOnly; "
            f"SameSite=Lax{secure}"
        )

    def clearing_header(self) -> str:
        """The Set-Cookie header value that deletes the cookie."""
        secure = "; Secure" if self.secure else ""
        return f"{self.name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
