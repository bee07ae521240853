"""The caller: who am I, change my password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from baton.api.authentication import remote_address
from baton.api.deps import CurrentPrincipal, Registry
from baton.api.schemas import Me, OwnPasswordBody
from baton.errors import AuthenticationFailed, InvalidInput
from baton.registry import users
from baton.registry.signin import Attempt, SignIn

router = APIRouter(prefix="/api/me", tags=["me"])


@router.get("", response_model=Me, summary="Who am I")
def me(principal: CurrentPrincipal, registry: Registry) -> Me:
    """The signed-in user, their groups and capabilities."""
    with registry.session() as session:
        record = users.get_user(session, principal.name)
    return Me(
        user=record,
        capabilities=tuple(sorted(principal.capabilities)),
        groups=tuple(sorted(principal.groups)),
        method=principal.method,
    )


@router.put("/password", status_code=204, summary="Change my password")
def change_password(
    body: OwnPasswordBody, principal: CurrentPrincipal, registry: Registry, request: Request
) -> Response:
    """Change the caller's own password. The current one is checked like a sign-in (audited
    and throttled); the change ends every browser session of the user, this one included."""
    sign_in: SignIn = request.app.state.sign_in
    attempt = Attempt(remote_addr=remote_address(request.scope), method="password-change")
    try:
        sign_in.password(principal.name, body.current_password, attempt)
    except AuthenticationFailed as exc:
        raise InvalidInput("current_password", "is not the current password") from exc
    with registry.session() as session:
        users.set_password(session, principal.name, body.new_password, actor=principal.name)
    return Response(status_code=204)
