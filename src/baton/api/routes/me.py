"""The caller: who am I, change my password."""

from __future__ import annotations

from fastapi import APIRouter, Response

from baton.api.deps import CurrentPrincipal, Registry
from baton.api.schemas import Me, OwnPasswordBody
from baton.errors import AuthenticationFailed
from baton.registry import users

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
    body: OwnPasswordBody, principal: CurrentPrincipal, registry: Registry
) -> Response:
    """Change the caller's own password (the current one is required)."""
    with registry.session() as session:
        if users.check_password(session, principal.name, body.current_password) is None:
            raise AuthenticationFailed("the current password is wrong")
        users.set_password(session, principal.name, body.new_password, actor=principal.name)
    return Response(status_code=204)
