"""Users (administrators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from baton.api.deps import Administrator, Name, Paging, Registry
from baton.api.schemas import PasswordBody, UserCreate, UserUpdate
from baton.errors import Conflict
from baton.registry import users
from baton.registry.records import Page, UserRecord

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("", response_model=Page[UserRecord], summary="List users")
def list_users(
    principal: Administrator,
    registry: Registry,
    page: Paging,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Only users whose name, display name or email contains this.",
        ),
    ] = None,
) -> Page[UserRecord]:
    """Every user, by name."""
    with registry.session() as session:
        return users.list_users(session, search=q, limit=page.limit, offset=page.offset)


@router.post("", response_model=UserRecord, status_code=201, summary="Create a user")
def create_user(
    body: UserCreate, principal: Administrator, registry: Registry, request: Request
) -> UserRecord:
    """A new local (password) or host-authenticated user."""
    with registry.session() as session:
        return users.create_user(
            session,
            body.name,
            password=body.password,
            display_name=body.display_name,
            email=body.email,
            auth_source=body.auth_source,
            actor=principal.name,
        )


@router.get("/{name}", response_model=UserRecord, summary="Show a user")
def get_user(name: Name, principal: Administrator, registry: Registry) -> UserRecord:
    """One user with their groups."""
    with registry.session() as session:
        return users.get_user(session, name)


@router.patch("/{name}", response_model=UserRecord, summary="Change a user")
def update_user(
    name: Name, body: UserUpdate, principal: Administrator, registry: Registry
) -> UserRecord:
    """Change display name, email, or disable / enable the account."""
    if body.disabled and name == principal.name:
        raise Conflict("you cannot disable your own account")
    with registry.session() as session:
        return users.update_user(
            session,
            name,
            display_name=body.display_name,
            email=body.email,
            disabled=body.disabled,
            actor=principal.name,
        )


@router.put("/{name}/password", status_code=204, summary="Set a user's password")
def set_password(
    name: Name, body: PasswordBody, principal: Administrator, registry: Registry
) -> Response:
    """Give a local user a new password (ends their browser sessions)."""
    with registry.session() as session:
        users.set_password(session, name, body.password, actor=principal.name)
    return Response(status_code=204)


@router.delete("/{name}", status_code=204, summary="Delete a user")
def delete_user(name: Name, principal: Administrator, registry: Registry) -> Response:
    """Delete a user with their tokens, memberships and grants."""
    if name == principal.name:
        raise Conflict("you cannot delete your own account")
    with registry.session() as session:
        users.delete_user(session, name, actor=principal.name)
    return Response(status_code=204)
