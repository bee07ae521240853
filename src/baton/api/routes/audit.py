"""The audit trail (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from baton.api.deps import NAME_PATTERN, Administrator, Paging, Registry
from baton.registry import audit
from baton.registry.records import AuditRecord, Page

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=Page[AuditRecord], summary="List audit events")
def list_events(
    principal: Administrator,
    registry: Registry,
    page: Paging,
    action: str | None = Query(None, pattern=r"^[a-z_.]{1,64}$"),
    actor: str | None = Query(None, pattern=NAME_PATTERN),
) -> Page[AuditRecord]:
    """Newest first; filter by action (signin.failed, grant, ...) or actor."""
    with registry.session() as session:
        return audit.list_events(
            session, action=action, actor=actor, limit=page.limit, offset=page.offset
        )
