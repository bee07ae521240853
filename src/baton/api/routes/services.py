"""Dispatcher services: listed by read permission, changed with write, created by admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from baton.api.deps import (
    Administrator,
    CurrentPrincipal,
    Name,
    Paging,
    Registry,
    require_administer_to_change,
    resource,
)
from baton.registry import access, services
from baton.registry.access import Principal
from baton.registry.enums import Action, ResourceKind
from baton.registry.records import Page, ServiceRecord
from baton.registry.specs import ServiceSpec

router = APIRouter(prefix="/api/services", tags=["services"])
Reader = Annotated[Principal, Depends(resource(ResourceKind.SERVICE, Action.READ))]
Writer = Annotated[Principal, Depends(resource(ResourceKind.SERVICE, Action.WRITE))]
Owner = Annotated[Principal, Depends(resource(ResourceKind.SERVICE, Action.ADMINISTER))]


@router.get("", response_model=Page[ServiceRecord], summary="List services")
def list_services(
    principal: CurrentPrincipal, registry: Registry, page: Paging
) -> Page[ServiceRecord]:
    """The services the caller may read."""
    with registry.session() as session:
        names = access.allowed_names(
            session, principal, ResourceKind.SERVICE, Action.READ, services.all_names(session)
        )
        return services.list_services(session, names=names, limit=page.limit, offset=page.offset)


@router.post("", response_model=ServiceRecord, status_code=201, summary="Create a service")
def create_service(
    body: ServiceSpec, principal: Administrator, registry: Registry
) -> ServiceRecord:
    """A socket, pool or launch service."""
    with registry.session() as session:
        return services.create_service(session, body, actor=principal.name)


@router.get("/{name}", response_model=ServiceRecord, summary="Show a service")
def get_service(name: Name, principal: Reader, registry: Registry) -> ServiceRecord:
    """One service (read permission)."""
    with registry.session() as session:
        return services.get_service(session, name)


@router.put("/{name}", response_model=ServiceRecord, summary="Replace a service")
def replace_service(
    name: Name, body: ServiceSpec, principal: Writer, registry: Registry
) -> ServiceRecord:
    """Replace the service (write permission). Write covers its description, settings, debug
    mask and enabled flag; its name and kind, what it runs (server definition, addresses,
    program libraries) and who may call it (auth_required) need the administer capability."""
    with registry.session() as session:
        current = services.get_service(session, name)
        require_administer_to_change(
            principal,
            f"service {name!r}",
            {
                "name": (current.name, body.name),
                "kind": (current.kind, body.kind),
                "server_definition": (current.server_definition, body.server_definition),
                "addresses": (current.addresses, tuple(body.addresses)),
                "libraries": (current.libraries, tuple(sorted(set(body.libraries)))),
                "auth_required": (current.auth_required, body.auth_required),
            },
        )
        return services.replace_service(session, name, body, actor=principal.name)


@router.delete("/{name}", status_code=204, summary="Delete a service")
def delete_service(name: Name, principal: Owner, registry: Registry) -> Response:
    """Delete the service (administer permission)."""
    with registry.session() as session:
        services.delete_service(session, name, actor=principal.name)
    return Response(status_code=204)
