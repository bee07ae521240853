"""The Application Dispatcher's live state and its request record (operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from baton.api.deps import Operator, Paging, Registry
from baton.loadmanager.history import DispatcherHistory, DispatcherHistoryView
from baton.loadmanager.snapshot import DispatcherStatus, dispatcher_status
from baton.registry import requests
from baton.registry.records import DispatchRequestRecord, Page

router = APIRouter(prefix="/api/dispatcher", tags=["dispatcher"])


@router.get("", response_model=DispatcherStatus, summary="Live pools and servers")
def status(request: Request, principal: Operator) -> DispatcherStatus:
    """Every service with a live pool: its servers (state, pid, slots, counts), queue length."""
    return dispatcher_status(request.app.state.broker.manager)


@router.get(
    "/history",
    response_model=DispatcherHistoryView,
    summary="Requests per second and queue length over the last hour",
)
def history(request: Request, principal: Operator) -> DispatcherHistoryView:
    """Per service, every sample of the last hour (one every ``interval`` seconds, oldest
    first): requests answered so far, requests per second since the previous sample, queue
    length. Only services with a live pool at a sample appear in it."""
    sampler: DispatcherHistory = request.app.state.history
    return sampler.view()


@router.get(
    "/requests", response_model=Page[DispatchRequestRecord], summary="Recorded broker requests"
)
def list_requests(
    principal: Operator,
    registry: Registry,
    page: Paging,
    user: Annotated[str | None, Query(max_length=64, description="Only this user's.")] = None,
    service: Annotated[str | None, Query(max_length=64, description="Only this service's.")] = None,
) -> Page[DispatchRequestRecord]:
    """Broker requests, newest first: who ran what, where, the status and how long it took."""
    with registry.session() as session:
        return requests.list_requests(
            session, user=user, service=service, limit=page.limit, offset=page.offset
        )
