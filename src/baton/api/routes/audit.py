"""The audit trail (administrators only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from baton.api.deps import NAME_PATTERN, Administrator, Paging, Registry
from baton.registry import audit
from baton.registry.enums import AuditOutcome
from baton.registry.records import AuditRecord, Page

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=Page[AuditRecord], summary="List audit events")
def list_events(
    principal: Administrator,
    registry: Registry,
    page: Paging,
    action: str | None = Query(None, pattern=r"^[a-z_.]{1,64}$"),
    actor: str | None = Query(None, pattern=NAME_PATTERN),
    resource: str | None = Query(
        None,
        min_length=1,
        max_length=300,
        description="Events on resources starting with this (program:sample, job:daily).",
    ),
    outcome: Annotated[AuditOutcome | None, Query(description="ok, denied or failed.")] = None,
    since: Annotated[datetime | None, Query(description="At or after (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Before (ISO 8601).")] = None,
) -> Page[AuditRecord]:
    """Newest first; filter by action (signin.failed, grant, ...), actor, resource, outcome
    and time."""
    with registry.session() as session:
        return audit.list_events(
            session,
            action=action,
            actor=actor,
            resource=resource,
            outcome=outcome,
            since=since,
            until=until,
            limit=page.limit,
            offset=page.offset,
        )
