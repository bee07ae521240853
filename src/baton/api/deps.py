"""FastAPI dependencies: the registry, the principal, capability checks, pagination."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from baton.errors import AuthenticationFailed, PermissionDenied
from baton.registry import access
from baton.registry.access import Principal, require_capability
from baton.registry.database import Database
from baton.registry.enums import Action, Capability, ResourceKind
from baton.settings import Settings


def get_database(request: Request) -> Database:
    """The registry of the app serving this request."""
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    """The settings of the app serving this request."""
    settings: Settings = request.app.state.settings
    return settings


def get_principal(request: Request) -> Principal:
    """The principal the authentication middleware found."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise AuthenticationFailed("credentials required")
    return principal


Registry = Annotated[Database, Depends(get_database)]
CurrentSettings = Annotated[Settings, Depends(get_settings)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def capability(cap: Capability) -> Callable[[Principal], Principal]:
    """A dependency that lets only principals with ``cap`` through (403 otherwise)."""

    def check(principal: CurrentPrincipal) -> Principal:
        require_capability(principal, cap)
        return principal

    check.__name__ = f"require_{cap}"
    return check


def resource(
    kind: ResourceKind, action: Action, *, unless: Capability | None = None, param: str = "name"
) -> Callable[[Request, Principal, Database], Principal]:
    """A dependency that checks ``action`` on the resource named by the path parameter
    ``param`` (403 otherwise) before the body is even validated. Principals with the
    capability ``unless`` pass without a grant."""

    def check(request: Request, principal: CurrentPrincipal, database: Registry) -> Principal:
        if unless is not None and principal.can(unless):
            return principal
        with database.session() as session:
            access.require(session, principal, kind, str(request.path_params[param]), action)
        return principal

    check.__name__ = f"require_{action}_{kind}"
    return check


def require_administer_to_change(
    principal: Principal, resource: str, fields: dict[str, tuple[object, object]]
) -> None:
    """Unless ``principal`` administers, refuse a change to any of ``fields`` (each
    ``(before, after)``): write permission tunes a resource, it does not re-point it."""
    if principal.can(Capability.ADMINISTER):
        return
    changed = [field for field, (before, after) in fields.items() if before != after]
    if changed:
        raise PermissionDenied(f"change {', '.join(changed)} of", resource)


Administrator = Annotated[Principal, Depends(capability(Capability.ADMINISTER))]
Operator = Annotated[Principal, Depends(capability(Capability.OPERATE))]


@dataclass(frozen=True)
class PageParams:
    """``?limit=&offset=`` of a list endpoint (limit capped by ``api.max_page_size``)."""

    limit: int
    offset: int


def get_page(
    settings: CurrentSettings,
    limit: Annotated[int | None, Query(ge=1, le=10000, description="Page size.")] = None,
    offset: Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")] = 0,
) -> PageParams:
    """The requested page, with the configured default and maximum size."""
    size = settings.api.page_size if limit is None else min(limit, settings.api.max_page_size)
    return PageParams(limit=size, offset=offset)


Paging = Annotated[PageParams, Depends(get_page)]

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
#: A registry name in a URL path; anything else is a 422 before any query runs.
Name = Annotated[str, Path(pattern=NAME_PATTERN, max_length=64, description="Entity name.")]
#: A row id in a URL path, within the database's integer range.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Row id.")]
