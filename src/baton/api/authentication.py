"""Authentication of every request under ``/api`` (and ``/metrics``), before routing.

An ASGI middleware, so a request without valid credentials is answered 401 before its body is
parsed or any route runs. It accepts, in this order: ``Authorization: Basic`` (user name and
password), ``Authorization: Bearer`` (an API token), the browser session cookie (with its CSRF
token on state-changing methods). The resulting principal is put in ``scope["state"]``.
Authorization (which principal may do what) is the routes' business (``api/deps.py``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from baton.api.cookies import CSRF_HEADER, SessionCookie
from baton.api.errors import baton_error_response
from baton.errors import AuthenticationFailed, BatonError, CsrfFailed
from baton.registry.access import Principal
from baton.registry.signin import Attempt, SignIn

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Routes reachable without credentials: signing in itself.
#: Routes the user middleware lets through: sign-in, and those host spawners call with their
#: host token (checked by the routes themselves).
PUBLIC_ROUTES = frozenset(
    {
        ("POST", "/api/session"),
        ("POST", "/api/spawner/join"),
        ("GET", "/api/spawner/plans"),
        ("POST", "/api/spawner/authorize"),
        ("POST", "/api/spawner/workspaces/ended"),
    }
)
PROTECTED_PREFIXES = ("/api/", "/metrics")
#: Webhooks (``POST /api/hooks/{name}``) carry a signature of their body instead of
#: credentials; their route checks it.
WEBHOOK_PREFIX = "/api/hooks/"


def remote_address(scope: Scope) -> str:
    """The client's address as the server saw it."""
    client = scope.get("client")
    return str(client[0]) if client else ""


def basic_credentials(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthenticationFailed("malformed Basic credentials") from exc
    name, sep, password = decoded.partition(":")
    if not sep or not name:
        raise AuthenticationFailed("malformed Basic credentials")
    return name, password


async def from_authorization(sign_in: SignIn, authorization: str, attempt: Attempt) -> Principal:
    """The principal of an ``Authorization`` header: Basic (user name and password) or Bearer
    (an API token); the checks run on a worker thread.

    Raises:
        AuthenticationFailed: wrong or malformed credentials, or another scheme.
    """
    scheme, _, value = authorization.partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        name, password = basic_credentials(value.strip())
        return await anyio.to_thread.run_sync(sign_in.password, name, password, attempt)
    if scheme == "bearer":
        bearer = Attempt(remote_addr=attempt.remote_addr, method="bearer")
        return await anyio.to_thread.run_sync(sign_in.token, value.strip(), bearer)
    raise AuthenticationFailed(f"unsupported authorization scheme {scheme!r}")


class AuthenticationMiddleware:
    """Puts the request's principal in the scope, or answers 401/403."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        sign_in: SignIn,
        cookie: SessionCookie,
        public_metrics: bool = False,
    ) -> None:
        self.app = app
        self.sign_in = sign_in
        self.cookie = cookie
        self.public_metrics = public_metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._protected(scope):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.authenticate(scope)
        except BatonError as error:
            headers = Headers(scope=scope)
            cookies = cookie_parser(headers.get("cookie", ""))
            # A browser gets no Basic challenge (it would pop a login dialog over the page):
            # one with the session cookie, or a script saying so (the web client does).
            scripted = headers.get("x-requested-with", "").lower() == "xmlhttprequest"
            browser = (self.cookie.name in cookies or scripted) and not headers.get("authorization")
            await baton_error_response(error, browser=browser)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    def _protected(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if (scope["method"], path.rstrip("/")) in PUBLIC_ROUTES:
            return False
        if scope["method"] == "POST" and path.startswith(WEBHOOK_PREFIX):
            return False
        if path.startswith("/metrics") and self.public_metrics:
            return False
        return path.startswith(PROTECTED_PREFIXES) or path == "/api"

    async def authenticate(self, scope: Scope) -> Principal:
        """The principal of this request; raises when there are no valid credentials."""
        headers = Headers(scope=scope)
        attempt = Attempt(remote_addr=remote_address(scope))
        authorization = headers.get("authorization")
        if authorization:
            return await from_authorization(self.sign_in, authorization, attempt)
        cookie_value = cookie_parser(headers.get("cookie", "")).get(self.cookie.name)
        if cookie_value:
            return await self._from_cookie(scope, headers, cookie_value, attempt)
        raise AuthenticationFailed("credentials required (Basic, Bearer token or session)")

    async def _from_cookie(
        self, scope: Scope, headers: Headers, value: str, attempt: Attempt
    ) -> Principal:
        token = self.cookie.token(value)
        if token is None:
            raise AuthenticationFailed("the session cookie is invalid or expired; sign in again")
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin and urlsplit(origin).netloc != headers.get("host", ""):
                raise CsrfFailed(f"cross-origin request from {origin} refused")
        cookie_attempt = Attempt(remote_addr=attempt.remote_addr, method="cookie")
        principal, csrf = await anyio.to_thread.run_sync(
            self.sign_in.browser, token, cookie_attempt
        )
        if scope["method"] not in SAFE_METHODS:
            sent = headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), csrf.encode()):
                raise CsrfFailed(f"a {CSRF_HEADER} header with the session's token is required")
        return principal
