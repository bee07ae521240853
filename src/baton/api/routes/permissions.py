"""Permission grants on resources (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from baton.api.authentication import remote_address
from baton.api.deps import NAME_PATTERN, Administrator, Paging, Registry, RowId
from baton.api.schemas import GrantBody
from baton.registry import access
from baton.registry.enums import PrincipalKind, ResourceKind
from baton.registry.records import Page, PermissionRecord

router = APIRouter(prefix="/api/permissions", tags=["permissions"])


@router.get("", response_model=Page[PermissionRecord], summary="List grants")
def list_permissions(
    principal: Administrator,
    registry: Registry,
    page: Paging,
    resource_kind: ResourceKind | None = None,
    principal_kind: PrincipalKind | None = None,
    holder: str | None = Query(None, pattern=NAME_PATTERN, description="User or group name."),
) -> Page[PermissionRecord]:
    """Grants, filtered by resource kind or holder (give principal_kind with holder)."""
    with registry.session() as session:
        return access.list_permissions(
            session,
            resource_kind=resource_kind,
            principal_kind=principal_kind,
            principal=holder,
            limit=page.limit,
            offset=page.offset,
        )


@router.post("", response_model=PermissionRecord, status_code=201, summary="Grant")
def grant(
    body: GrantBody, principal: Administrator, registry: Registry, request: Request
) -> PermissionRecord:
    """Allow a user or group an action on a resource (idempotent, audited)."""
    with registry.session() as session:
        return access.grant(
            session,
            body.principal_kind,
            body.principal,
            body.resource_kind,
            body.resource_name,
            body.action,
            granted_by=principal.name,
            remote_addr=remote_address(request.scope),
        )


@router.delete("/{permission_id}", status_code=204, summary="Revoke")
def revoke(
    permission_id: RowId, principal: Administrator, registry: Registry, request: Request
) -> Response:
    """Withdraw a grant (audited)."""
    with registry.session() as session:
        access.revoke_by_id(
            session,
            permission_id,
            revoked_by=principal.name,
            remote_addr=remote_address(request.scope),
        )
    return Response(status_code=204)
