"""Browser sign-in and sign-out: the session cookie."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from baton.api.authentication import remote_address
from baton.api.cookies import SessionCookie
from baton.api.deps import CurrentPrincipal, Registry
from baton.api.errors import baton_error_response
from baton.api.schemas import SessionInfo, SignInBody
from baton.errors import AuthError
from baton.registry import audit, sessions, users
from baton.registry.signin import Attempt, SignIn

router = APIRouter(prefix="/api/session", tags=["session"])


@router.post("", response_model=SessionInfo, summary="Sign in (sets the session cookie)")
async def sign_in(
    body: SignInBody, request: Request, response: Response, registry: Registry
) -> SessionInfo | Response:
    """Check the password, start a browser session and return its CSRF token."""
    sign_in: SignIn = request.app.state.sign_in
    cookie: SessionCookie = request.app.state.cookie
    attempt = Attempt(remote_addr=remote_address(request.scope), method="cookie")
    try:
        principal = await anyio.to_thread.run_sync(
            lambda: sign_in.password(body.username, body.password, attempt, record_success=True)
        )
    except AuthError as error:  # a browser's sign-in form: no Basic challenge, no dialog
        return baton_error_response(error, browser=True)

    def start() -> SessionInfo:
        with registry.session() as session:
            user = users.load(session, principal.name)
            token, csrf = sessions.start(
                session, user, seconds=cookie.max_age, remote_addr=attempt.remote_addr
            )
            response.headers.append("set-cookie", cookie.header(token))
            return SessionInfo(user=users.to_record(user), csrf_token=csrf)

    return await anyio.to_thread.run_sync(start)


@router.delete("", status_code=204, summary="Sign out (ends the session)")
def sign_out(principal: CurrentPrincipal, request: Request, registry: Registry) -> Response:
    """End the browser session on the server and clear its cookie."""
    cookie: SessionCookie = request.app.state.cookie
    token = cookie.token(request.cookies.get(cookie.name, ""))
    with registry.session() as session:
        if token is not None:
            sessions.end(session, token)
        audit.record(
            session,
            "signout",
            actor=principal.name,
            remote_addr=remote_address(request.scope),
        )
    response = Response(status_code=204)
    response.headers.append("set-cookie", cookie.clearing_header())
    return response
