"""Who sends a broker request: Basic, Bearer, the session cookie, or nobody.

The broker authenticates itself rather than behind the API's middleware, because a service may
be public: a request without credentials is then anonymous (the PUBLIC group's rights). Wrong
credentials are refused even for a public service. A browser's cookie is accepted on a POST
only from the broker's own origin (``Origin``, else ``Referer``): an HTML form cannot send the
API's CSRF header, so the origin check is what stops other sites posting in the user's name.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import Scope

from baton.api.authentication import SAFE_METHODS, from_authorization, remote_address
from baton.api.cookies import SessionCookie
from baton.errors import AuthenticationFailed, CsrfFailed
from baton.registry import access
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.signin import Attempt, SignIn


class BrokerAuthenticator:
    """Turns a broker request's credentials into a principal.

    Args:
        sign_in: checks passwords and tokens.
        cookie: reads the browser session cookie.
        database: the registry (for the anonymous principal).
        ttl: seconds the anonymous principal (the PUBLIC group's rights) is reused.
    """

    def __init__(
        self, sign_in: SignIn, cookie: SessionCookie, database: Database, *, ttl: float = 2.0
    ) -> None:
        self._sign_in = sign_in
        self._cookie = cookie
        self._database = database
        self._ttl = ttl
        self._anonymous: tuple[float, Principal] | None = None

    def has_credentials(self, scope: Scope) -> bool:
        """Whether the request carries any credentials."""
        headers = Headers(scope=scope)
        cookies = cookie_parser(headers.get("cookie", ""))
        return bool(headers.get("authorization")) or self._cookie.name in cookies

    async def principal(self, scope: Scope, *, required: bool) -> Principal:
        """The request's principal; anonymous when it has no credentials and none are required.

        Raises:
            AuthenticationFailed: wrong credentials, or none when ``required``.
            CsrfFailed: a cookie on a POST from another origin.
        """
        headers = Headers(scope=scope)
        attempt = Attempt(remote_addr=remote_address(scope))
        authorization = headers.get("authorization")
        if authorization:
            return await from_authorization(self._sign_in, authorization, attempt)
        cookie = cookie_parser(headers.get("cookie", "")).get(self._cookie.name)
        if cookie:
            token = self._cookie.token(cookie)
            if token is None:
                raise AuthenticationFailed("the session cookie is invalid or expired")
            if scope["method"] not in SAFE_METHODS:
                _same_origin(headers)
            cookie_attempt = Attempt(remote_addr=attempt.remote_addr, method="cookie")
            principal, _csrf = await anyio.to_thread.run_sync(
                self._sign_in.browser, token, cookie_attempt
            )
            return principal
        if required:
            raise AuthenticationFailed("this service requires signing in")
        if self._anonymous is not None and self._anonymous[0] > time.monotonic():
            return self._anonymous[1]
        principal = await anyio.to_thread.run_sync(self._read_anonymous)
        self._anonymous = (time.monotonic() + self._ttl, principal)
        return principal

    def _read_anonymous(self) -> Principal:
        with self._database.session() as session:
            return access.anonymous(session)


def _same_origin(headers: Headers) -> None:
    """Refuse a cookie-authenticated change that does not come from this host."""
    origin = headers.get("origin") or headers.get("referer")
    if not origin or urlsplit(origin).netloc != headers.get("host", ""):
        shown = origin or "an unknown origin"
        raise CsrfFailed(f"a form post from {shown} cannot use the session cookie")
