"""API tokens: a user's own, or anyone's for administrators."""

from __future__ import annotations

from fastapi import APIRouter, Query

from baton.api.deps import NAME_PATTERN, CurrentPrincipal, CurrentSettings, Paging, Registry, RowId
from baton.api.schemas import TokenCreate
from baton.errors import NotFound, PermissionDenied
from baton.registry import tokens
from baton.registry.enums import Capability
from baton.registry.records import IssuedToken, Page, TokenRecord

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


@router.get("", response_model=Page[TokenRecord], summary="List tokens")
def list_tokens(
    principal: CurrentPrincipal,
    registry: Registry,
    page: Paging,
    user: str | None = Query(
        None, pattern=NAME_PATTERN, max_length=64, description="Whose (administrators only)."
    ),
) -> Page[TokenRecord]:
    """The caller's tokens; administrators may name another user."""
    owner = user or principal.name
    if owner != principal.name and not principal.can(Capability.ADMINISTER):
        raise PermissionDenied("list tokens of", f"user {owner!r}")
    with registry.session() as session:
        return tokens.list_tokens(session, owner, limit=page.limit, offset=page.offset)


@router.post("", response_model=IssuedToken, status_code=201, summary="Create a token")
def create_token(
    body: TokenCreate, principal: CurrentPrincipal, registry: Registry, settings: CurrentSettings
) -> IssuedToken:
    """A new token for the caller; its value is shown in this answer only."""
    days = body.days or settings.auth.token_default_days
    with registry.session() as session:
        return tokens.create_token(
            session,
            principal.name,
            body.name,
            days=days,
            max_days=settings.auth.token_max_days,
            actor=principal.name,
        )


def _owned(principal: CurrentPrincipal, record: TokenRecord) -> TokenRecord:
    if record.user != principal.name and not principal.can(Capability.ADMINISTER):
        raise NotFound("token", record.id)  # do not reveal other users' tokens
    return record


@router.get("/{token_id}", response_model=TokenRecord, summary="Show a token")
def get_token(token_id: RowId, principal: CurrentPrincipal, registry: Registry) -> TokenRecord:
    """One of the caller's tokens (any token for administrators)."""
    with registry.session() as session:
        return _owned(principal, tokens.get_token(session, token_id))


@router.delete("/{token_id}", response_model=TokenRecord, summary="Revoke a token")
def revoke_token(token_id: RowId, principal: CurrentPrincipal, registry: Registry) -> TokenRecord:
    """Revoke one of the caller's tokens (any token for administrators)."""
    with registry.session() as session:
        _owned(principal, tokens.get_token(session, token_id))
        return tokens.revoke_token(session, token_id, actor=principal.name)
