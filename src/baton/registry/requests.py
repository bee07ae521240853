"""The record of broker requests: who ran what, where, and how it ended."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.registry.models import DispatchRequest
from baton.registry.paging import paginate
from baton.registry.records import DispatchRequestRecord, Page


@dataclass(frozen=True)
class RequestOutcome:
    """One finished broker request, as the broker reports it.

    Attributes:
        request_id: the broker's id (also sent to the server).
        user: who ran it ("" when anonymous).
        service: the service asked for.
        program: ``_PROGRAM`` as asked (cut to 200 characters).
        status: the HTTP status sent (0 when the client went away before any).
        error: the error code, "" when it succeeded.
        bytes_sent: body bytes sent to the client.
        duration: seconds from the request's arrival to its end.
        waited: seconds it waited for a server.
        server: the server that ran it ("" when none did).
        remote_addr: the client's address.
    """

    request_id: str
    user: str
    service: str
    program: str
    status: int
    error: str = ""
    bytes_sent: int = 0
    duration: float = 0.0
    waited: float = 0.0
    server: str = ""
    remote_addr: str = ""


def record_requests(session: Session, outcomes: Iterable[RequestOutcome]) -> int:
    """Add ``outcomes`` to the record; how many were added."""
    rows = [DispatchRequest(**{**asdict(o), "program": o.program[:200]}) for o in outcomes]
    session.add_all(rows)
    return len(rows)


def list_requests(
    session: Session,
    *,
    user: str | None = None,
    service: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[DispatchRequestRecord]:
    """Newest first, optionally only one user's or one service's."""
    statement = select(DispatchRequest).order_by(DispatchRequest.id.desc())
    if user is not None:
        statement = statement.where(DispatchRequest.user == user)
    if service is not None:
        statement = statement.where(DispatchRequest.service == service)
    return paginate(
        session, statement, DispatchRequestRecord.model_validate, limit=limit, offset=offset
    )
