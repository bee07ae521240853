"""Spawner hosts: operators see them, administrators register them and issue tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response

from baton.api.deps import Administrator, Name, Operator, Paging, Registry
from baton.api.schemas import HostCreate, HostUpdate
from baton.registry import hosts
from baton.registry.records import HostRecord, IssuedHostToken, Page

router = APIRouter(prefix="/api/hosts", tags=["hosts"])


@router.get("", response_model=Page[HostRecord], summary="List hosts")
def list_hosts(principal: Operator, registry: Registry, page: Paging) -> Page[HostRecord]:
    """Every host, by name."""
    with registry.session() as session:
        return hosts.list_hosts(session, limit=page.limit, offset=page.offset)


@router.post("", response_model=IssuedHostToken, status_code=201, summary="Register a host")
def create_host(body: HostCreate, principal: Administrator, registry: Registry) -> IssuedHostToken:
    """Register a host; the answer holds its spawner's join token (shown once)."""
    with registry.session() as session:
        return hosts.create_host(
            session,
            body.name,
            address=body.address,
            port=body.port,
            description=body.description,
            actor=principal.name,
        )


@router.get("/{name}", response_model=HostRecord, summary="Show a host")
def get_host(name: Name, principal: Operator, registry: Registry) -> HostRecord:
    """One host."""
    with registry.session() as session:
        return hosts.get_host(session, name)


@router.patch("/{name}", response_model=HostRecord, summary="Change a host")
def update_host(
    name: Name, body: HostUpdate, principal: Administrator, registry: Registry
) -> HostRecord:
    """Change address, port, description, or disable the host."""
    with registry.session() as session:
        return hosts.update_host(
            session,
            name,
            address=body.address,
            port=body.port,
            description=body.description,
            enabled=body.enabled,
            actor=principal.name,
        )


@router.post("/{name}/token", response_model=IssuedHostToken, summary="New join token")
def new_token(name: Name, principal: Administrator, registry: Registry) -> IssuedHostToken:
    """Replace the host's token; the old one stops working at once."""
    with registry.session() as session:
        return hosts.new_token(session, name, actor=principal.name)


@router.delete("/{name}", status_code=204, summary="Remove a host")
def delete_host(name: Name, principal: Administrator, registry: Registry) -> Response:
    """Remove a host that no server definition is bound to."""
    with registry.session() as session:
        hosts.delete_host(session, name, actor=principal.name)
    return Response(status_code=204)
