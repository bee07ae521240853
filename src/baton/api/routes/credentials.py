"""Stored launch credentials (administrators only); secrets go in, never out."""

from __future__ import annotations

from fastapi import APIRouter, Response

from baton.api.deps import Administrator, CurrentSettings, Name, Paging, Registry
from baton.api.schemas import CredentialCreate, CredentialUpdate
from baton.registry import credentials
from baton.registry.records import CredentialRecord, Page
from baton.registry.vault import Vault

router = APIRouter(prefix="/api/credentials", tags=["credentials"])


@router.get("", response_model=Page[CredentialRecord], summary="List credentials")
def list_credentials(
    principal: Administrator, registry: Registry, page: Paging
) -> Page[CredentialRecord]:
    """Every credential, without secrets."""
    with registry.session() as session:
        return credentials.list_credentials(session, limit=page.limit, offset=page.offset)


@router.post("", response_model=CredentialRecord, status_code=201, summary="Store a credential")
def create_credential(
    body: CredentialCreate, principal: Administrator, registry: Registry, settings: CurrentSettings
) -> CredentialRecord:
    """Store an OS account and its secret, encrypted with the key ring."""
    # Read each time, under the ring's lock: `baton secrets rotate` may be changing it.
    with Vault.using(settings.key_path) as vault, registry.session() as session:
        return credentials.create_credential(
            session,
            vault,
            body.name,
            username=body.username,
            secret=body.secret,
            description=body.description,
            actor=principal.name,
        )


@router.get("/{name}", response_model=CredentialRecord, summary="Show a credential")
def get_credential(name: Name, principal: Administrator, registry: Registry) -> CredentialRecord:
    """One credential's metadata (never its secret)."""
    with registry.session() as session:
        return credentials.get_credential(session, name)


@router.patch("/{name}", response_model=CredentialRecord, summary="Change a credential")
def update_credential(
    name: Name,
    body: CredentialUpdate,
    principal: Administrator,
    registry: Registry,
    settings: CurrentSettings,
) -> CredentialRecord:
    """Change the account, description or secret."""
    with Vault.using(settings.key_path) as vault, registry.session() as session:
        return credentials.update_credential(
            session,
            vault,
            name,
            username=body.username,
            secret=body.secret,
            description=body.description,
            actor=principal.name,
        )


@router.delete("/{name}", status_code=204, summary="Delete a credential")
def delete_credential(name: Name, principal: Administrator, registry: Registry) -> Response:
    """Delete a credential that no server definition uses."""
    with registry.session() as session:
        credentials.delete_credential(session, name, actor=principal.name)
    return Response(status_code=204)
