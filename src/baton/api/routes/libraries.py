"""Program libraries: listed by read permission, changed by administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from baton.api.deps import Administrator, CurrentPrincipal, Name, Paging, Registry, resource
from baton.api.schemas import LibraryCreate, LibraryUpdate
from baton.registry import access, libraries
from baton.registry.access import Principal
from baton.registry.enums import Action, ResourceKind
from baton.registry.records import LibraryRecord, Page

Reader = Annotated[Principal, Depends(resource(ResourceKind.LIBRARY, Action.READ))]

router = APIRouter(prefix="/api/libraries", tags=["libraries"])


@router.get("", response_model=Page[LibraryRecord], summary="List libraries")
def list_libraries(
    principal: CurrentPrincipal, registry: Registry, page: Paging
) -> Page[LibraryRecord]:
    """The libraries the caller may read."""
    with registry.session() as session:
        names = access.allowed_names(
            session, principal, ResourceKind.LIBRARY, Action.READ, libraries.all_names(session)
        )
        return libraries.list_libraries(session, names=names, limit=page.limit, offset=page.offset)


@router.post("", response_model=LibraryRecord, status_code=201, summary="Register a library")
def create_library(
    body: LibraryCreate, principal: Administrator, registry: Registry
) -> LibraryRecord:
    """Bind a name to an absolute folder of programs on the server."""
    with registry.session() as session:
        return libraries.create_library(
            session, body.name, body.path, description=body.description, actor=principal.name
        )


@router.get("/{name}", response_model=LibraryRecord, summary="Show a library")
def get_library(name: Name, principal: Reader, registry: Registry) -> LibraryRecord:
    """One library (read permission)."""
    with registry.session() as session:
        return libraries.get_library(session, name)


@router.patch("/{name}", response_model=LibraryRecord, summary="Change a library")
def update_library(
    name: Name, body: LibraryUpdate, principal: Administrator, registry: Registry
) -> LibraryRecord:
    """Change the folder or the description."""
    with registry.session() as session:
        return libraries.update_library(
            session, name, path=body.path, description=body.description, actor=principal.name
        )


@router.delete("/{name}", status_code=204, summary="Unregister a library")
def delete_library(name: Name, principal: Administrator, registry: Registry) -> Response:
    """Forget the library (its folder is left alone)."""
    with registry.session() as session:
        libraries.delete_library(session, name, actor=principal.name)
    return Response(status_code=204)
