"""Hosts: machines that run a spawner, each joining the control plane with its own token."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from baton.registry import audit
from baton.registry.models import Host, ServerDefinition, ServerDefinitionHost, utcnow
from baton.registry.naming import check_name
from baton.registry.paging import paginate
from baton.registry.records import HostRecord, IssuedHostToken, Page
from baton.registry.tokens import hash_token

HOST_TOKEN_PREFIX = "bh_"


def _to_record(row: Host) -> HostRecord:
    return HostRecord(
        id=row.id,
        name=row.name,
        address=row.address,
        port=row.port,
        description=row.description,
        enabled=row.enabled,
        has_token=row.token_hash is not None,
        last_seen_at=row.last_seen_at,
        created_at=row.created_at,
    )


def load(session: Session, name: str) -> Host:
    """The ORM host called ``name``, or :class:`NotFound`."""
    row = session.scalar(select(Host).where(Host.name == name))
    if row is None:
        raise NotFound("host", name)
    return row


def _check_port(port: int | None) -> int | None:
    if port is not None and not 1 <= port <= 65535:
        raise InvalidInput("port", "must be between 1 and 65535")
    return port


def create_host(
    session: Session,
    name: str,
    *,
    address: str = "",
    port: int | None = None,
    description: str = "",
    actor: str = "",
) -> IssuedHostToken:
    """Register a host and issue the token its spawner joins with (shown once)."""
    check_name(name)
    if session.scalar(select(Host.id).where(Host.name == name)) is not None:
        raise AlreadyExists("host", name)
    token = HOST_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = Host(
        name=name,
        address=address,
        port=_check_port(port),
        description=description,
        token_hash=hash_token(token),
    )
    session.add(row)
    session.flush()
    audit.record(session, "host.create", actor=actor, resource=f"host:{name}")
    return IssuedHostToken(token=token, host=_to_record(row))


def update_host(
    session: Session,
    name: str,
    *,
    address: str | None = None,
    port: int | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    actor: str = "",
) -> HostRecord:
    """Change a host's address, port, description or enabled flag."""
    row = load(session, name)
    if address is not None:
        row.address = address
    if port is not None:
        row.port = _check_port(port)
    if description is not None:
        row.description = description
    if enabled is not None:
        row.enabled = enabled
    session.flush()
    audit.record(session, "host.update", actor=actor, resource=f"host:{name}")
    return _to_record(row)


def new_token(session: Session, name: str, *, actor: str = "") -> IssuedHostToken:
    """Replace a host's token (the old one stops working at once)."""
    row = load(session, name)
    token = HOST_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)
    session.flush()
    audit.record(session, "host.token", actor=actor, resource=f"host:{name}")
    return IssuedHostToken(token=token, host=_to_record(row))


def check_host_token(session: Session, token: str) -> HostRecord | None:
    """The enabled host a spawner token belongs to (and mark it seen)."""
    if not token.startswith(HOST_TOKEN_PREFIX):
        return None
    row = session.scalar(select(Host).where(Host.token_hash == hash_token(token)))
    if row is None or not row.enabled:
        return None
    row.last_seen_at = utcnow()
    return _to_record(row)


def get_host(session: Session, name: str) -> HostRecord:
    """The host called ``name``."""
    return _to_record(load(session, name))


def list_hosts(session: Session, *, limit: int = 50, offset: int = 0) -> Page[HostRecord]:
    """Hosts by name."""
    return paginate(
        session, select(Host).order_by(Host.name), _to_record, limit=limit, offset=offset
    )


def delete_host(session: Session, name: str, *, actor: str = "") -> None:
    """Remove a host no server definition lists."""
    row = load(session, name)
    bound = list(
        session.scalars(
            select(ServerDefinition.name)
            .join(ServerDefinitionHost, ServerDefinitionHost.definition_id == ServerDefinition.id)
            .where(ServerDefinitionHost.host_id == row.id)
            .order_by(ServerDefinition.name)
        )
    )
    if bound:
        raise Conflict(f"host {name!r} runs server definitions {', '.join(bound)}")
    session.delete(row)
    session.flush()
    audit.record(session, "host.delete", actor=actor, resource=f"host:{name}")
