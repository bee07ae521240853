"""Groups and their members (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from baton.api.deps import Administrator, Name, Paging, Registry
from baton.api.schemas import GroupCreate
from baton.registry import groups
from baton.registry.records import GroupRecord, Page

router = APIRouter(prefix="/api/groups", tags=["groups"])


@router.get("", response_model=Page[GroupRecord], summary="List groups")
def list_groups(principal: Administrator, registry: Registry, page: Paging) -> Page[GroupRecord]:
    """Every group, by name, with its members."""
    with registry.session() as session:
        return groups.list_groups(session, limit=page.limit, offset=page.offset)


@router.post("", response_model=GroupRecord, status_code=201, summary="Create a group")
def create_group(body: GroupCreate, principal: Administrator, registry: Registry) -> GroupRecord:
    """A new, empty group."""
    with registry.session() as session:
        return groups.create_group(
            session, body.name, description=body.description, actor=principal.name
        )


@router.get("/{name}", response_model=GroupRecord, summary="Show a group")
def get_group(name: Name, principal: Administrator, registry: Registry) -> GroupRecord:
    """One group with its members."""
    with registry.session() as session:
        return groups.get_group(session, name)


@router.delete("/{name}", status_code=204, summary="Delete a group")
def delete_group(name: Name, principal: Administrator, registry: Registry) -> Response:
    """Delete a group (not a built-in one) and its grants."""
    with registry.session() as session:
        groups.delete_group(session, name, actor=principal.name)
    return Response(status_code=204)


@router.put("/{name}/members/{user}", response_model=GroupRecord, summary="Add a member")
def add_member(name: Name, user: Name, principal: Administrator, registry: Registry) -> GroupRecord:
    """Put a user in the group (idempotent)."""
    with registry.session() as session:
        return groups.add_member(session, name, user, actor=principal.name)


@router.delete("/{name}/members/{user}", response_model=GroupRecord, summary="Remove a member")
def remove_member(
    name: Name, user: Name, principal: Administrator, registry: Registry
) -> GroupRecord:
    """Take a user out of the group."""
    with registry.session() as session:
        return groups.remove_member(session, name, user, actor=principal.name)
