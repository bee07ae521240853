"""Server definitions: operators see all, others what they may read; admins create."""

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
from baton.registry import access, definitions
from baton.registry.access import Principal
from baton.registry.enums import Action, Capability, ResourceKind, ServerKind
from baton.registry.records import Page, ServerDefinitionRecord
from baton.registry.specs import ServerDefinitionSpec

router = APIRouter(prefix="/api/server-definitions", tags=["server definitions"])
KIND = ResourceKind.SERVER_DEFINITION
Reader = Annotated[Principal, Depends(resource(KIND, Action.READ, unless=Capability.OPERATE))]
Writer = Annotated[Principal, Depends(resource(KIND, Action.WRITE))]
Owner = Annotated[Principal, Depends(resource(KIND, Action.ADMINISTER))]


@router.get("", response_model=Page[ServerDefinitionRecord], summary="List server definitions")
def list_definitions(
    principal: CurrentPrincipal,
    registry: Registry,
    page: Paging,
    kind: ServerKind | None = None,
) -> Page[ServerDefinitionRecord]:
    """Every definition for operators; otherwise those the caller may read."""
    with registry.session() as session:
        names = None
        if not principal.can(Capability.OPERATE):
            names = access.allowed_names(
                session, principal, KIND, Action.READ, definitions.all_names(session)
            )
        return definitions.list_definitions(
            session, kind=kind, names=names, limit=page.limit, offset=page.offset
        )


@router.post("", response_model=ServerDefinitionRecord, status_code=201, summary="Create")
def create_definition(
    body: ServerDefinitionSpec, principal: Administrator, registry: Registry
) -> ServerDefinitionRecord:
    """A new kind of server process the spawner can launch, on the hosts it lists (``hosts``,
    or ``host`` for one; none: the control plane's own)."""
    with registry.session() as session:
        return definitions.create_definition(session, body, actor=principal.name)


@router.get("/{name}", response_model=ServerDefinitionRecord, summary="Show a definition")
def get_definition(name: Name, principal: Reader, registry: Registry) -> ServerDefinitionRecord:
    """One definition (operators, or read permission)."""
    with registry.session() as session:
        return definitions.get_definition(session, name)


@router.put("/{name}", response_model=ServerDefinitionRecord, summary="Replace a definition")
def replace_definition(
    name: Name, body: ServerDefinitionSpec, principal: Writer, registry: Registry
) -> ServerDefinitionRecord:
    """Replace it (write permission); running servers pick it up on refresh. Write covers the
    description, pool settings, balancing and enabled flag; its name and kind, what runs and as
    whom (command, working_dir, environment, credential, run_as_client, hosts or their order,
    ports) need the administer capability (a new name renames it, its grants follow)."""
    with registry.session() as session:
        current = definitions.get_definition(session, name)
        require_administer_to_change(
            principal,
            f"{KIND} {name!r}",
            {
                "name": (current.name, body.name),
                "kind": (current.kind, body.kind),
                "command": (current.command, tuple(body.command)),
                "working_dir": (current.working_dir, body.working_dir),
                "environment": (current.environment, body.environment),
                "credential": (current.credential, body.credential),
                "run_as_client": (current.run_as_client, body.run_as_client),
                "hosts": (current.hosts, tuple(body.hosts)),
                "ports": ((current.port_min, current.port_max), (body.port_min, body.port_max)),
            },
        )
        return definitions.replace_definition(session, name, body, actor=principal.name)


@router.delete("/{name}", status_code=204, summary="Delete a definition")
def delete_definition(name: Name, principal: Owner, registry: Registry) -> Response:
    """Delete a definition no service uses (administer permission)."""
    with registry.session() as session:
        definitions.delete_definition(session, name, actor=principal.name)
    return Response(status_code=204)
