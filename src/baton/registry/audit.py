"""The audit trail: who did what, when, with which outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.registry.enums import AuditOutcome
from baton.registry.models import AuditEvent
from baton.registry.paging import paginate
from baton.registry.records import AuditRecord, Page


def record(
    session: Session,
    action: str,
    *,
    actor: str = "",
    resource: str = "",
    outcome: AuditOutcome = AuditOutcome.OK,
    remote_addr: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the session's transaction (kept or dropped with the change)."""
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            resource=resource,
            outcome=outcome,
            remote_addr=remote_addr,
            detail=detail or {},
        )
    )


def list_events(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    resource: str | None = None,
    outcome: AuditOutcome | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AuditRecord]:
    """Newest first, optionally filtered: by action, actor, outcome, time (``since`` included,
    ``until`` excluded), and resource (``program:sample`` also matches ``program:sample.add``:
    the value is a prefix, matched literally)."""
    statement = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if actor is not None:
        statement = statement.where(AuditEvent.actor == actor)
    if resource is not None:
        statement = statement.where(AuditEvent.resource.startswith(resource, autoescape=True))
    if outcome is not None:
        statement = statement.where(AuditEvent.outcome == outcome)
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    if until is not None:
        statement = statement.where(AuditEvent.at < until)
    return paginate(session, statement, AuditRecord.model_validate, limit=limit, offset=offset)
