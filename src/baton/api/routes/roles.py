"""Roles and who holds them (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from baton.api.deps import Administrator, Name, Paging, Registry
from baton.api.schemas import Assignment, RoleCreate, RoleUpdate
from baton.registry import roles
from baton.registry.enums import PrincipalKind
from baton.registry.records import Page, RoleRecord

router = APIRouter(prefix="/api/roles", tags=["roles"])


@router.get("", response_model=Page[RoleRecord], summary="List roles")
def list_roles(principal: Administrator, registry: Registry, page: Paging) -> Page[RoleRecord]:
    """Every role with its capabilities and holders."""
    with registry.session() as session:
        return roles.list_roles(session, limit=page.limit, offset=page.offset)


@router.post("", response_model=RoleRecord, status_code=201, summary="Create a role")
def create_role(body: RoleCreate, principal: Administrator, registry: Registry) -> RoleRecord:
    """A custom role with the given capabilities."""
    with registry.session() as session:
        return roles.create_role(
            session,
            body.name,
            [str(c) for c in body.capabilities],
            description=body.description,
            actor=principal.name,
        )


@router.get("/{name}", response_model=RoleRecord, summary="Show a role")
def get_role(name: Name, principal: Administrator, registry: Registry) -> RoleRecord:
    """One role."""
    with registry.session() as session:
        return roles.get_role(session, name)


@router.patch("/{name}", response_model=RoleRecord, summary="Change a role")
def update_role(
    name: Name, body: RoleUpdate, principal: Administrator, registry: Registry
) -> RoleRecord:
    """Change a custom role's capabilities, or any role's description."""
    capabilities = None if body.capabilities is None else [str(c) for c in body.capabilities]
    with registry.session() as session:
        return roles.update_role(
            session,
            name,
            capabilities=capabilities,
            description=body.description,
            actor=principal.name,
        )


@router.delete("/{name}", status_code=204, summary="Delete a role")
def delete_role(name: Name, principal: Administrator, registry: Registry) -> Response:
    """Delete a custom role."""
    with registry.session() as session:
        roles.delete_role(session, name, actor=principal.name)
    return Response(status_code=204)


@router.post("/{name}/holders", response_model=RoleRecord, summary="Give a role")
def assign(
    name: Name, body: Assignment, principal: Administrator, registry: Registry
) -> RoleRecord:
    """Give the role to a user or a group (audited as a grant)."""
    with registry.session() as session:
        return roles.assign(
            session, name, body.principal_kind, body.principal, actor=principal.name
        )


@router.delete("/{name}/holders/{kind}/{holder}", response_model=RoleRecord, summary="Take a role")
def unassign(
    name: Name, kind: PrincipalKind, holder: Name, principal: Administrator, registry: Registry
) -> RoleRecord:
    """Take the role away from a user or a group (audited as a revoke)."""
    with registry.session() as session:
        return roles.unassign(session, name, kind, holder, actor=principal.name)
