"""Dispatcher services: socket, pool and launch services, their servers and libraries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from baton.errors import AlreadyExists, NotFound
from baton.registry import access, audit, definitions, libraries
from baton.registry.enums import ResourceKind
from baton.registry.models import ServerDefinition, Service
from baton.registry.paging import paginate
from baton.registry.records import Page, ServiceRecord
from baton.registry.specs import ServiceSettings, ServiceSpec


def find(session: Session, name: str) -> Service | None:
    """The ORM row called ``name``, or None."""
    return session.scalar(select(Service).where(Service.name == name))


def load(session: Session, name: str) -> Service:
    """The ORM service called ``name``, or :class:`NotFound`."""
    row = session.scalar(select(Service).where(Service.name == name))
    if row is None:
        raise NotFound("service", name)
    return row


def _to_record(session: Session, row: Service) -> ServiceRecord:
    definition = (
        session.get(ServerDefinition, row.server_definition_id)
        if row.server_definition_id
        else None
    )
    return ServiceRecord(
        id=row.id,
        name=row.name,
        kind=row.kind,
        description=row.description,
        server_definition=definition.name if definition else None,
        addresses=tuple(row.addresses),
        settings=ServiceSettings.model_validate(row.settings).model_dump(),
        libraries=tuple(sorted(library.name for library in row.libraries)),
        debug_mask=row.debug_mask,
        auth_required=row.auth_required,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _apply(session: Session, row: Service, spec: ServiceSpec) -> None:
    row.name = spec.name
    row.kind = spec.kind
    row.description = spec.description
    row.server_definition_id = (
        definitions.load(session, spec.server_definition).id if spec.server_definition else None
    )
    row.addresses = list(spec.addresses)
    row.settings = spec.settings.model_dump()
    row.libraries = [libraries.load(session, name) for name in dict.fromkeys(spec.libraries)]
    row.debug_mask = spec.debug_mask
    row.auth_required = spec.auth_required
    row.enabled = spec.enabled


def create_service(session: Session, spec: ServiceSpec, *, actor: str = "") -> ServiceRecord:
    """Add a service."""
    if session.scalar(select(Service.id).where(Service.name == spec.name)):
        raise AlreadyExists("service", spec.name)
    row = Service()
    _apply(session, row, spec)
    session.add(row)
    session.flush()
    audit.record(session, "service.create", actor=actor, resource=f"service:{spec.name}")
    return _to_record(session, row)


def replace_service(
    session: Session, name: str, spec: ServiceSpec, *, actor: str = ""
) -> ServiceRecord:
    """Replace a service with ``spec`` (a different ``spec.name`` renames it)."""
    row = load(session, name)
    if spec.name != name and session.scalar(select(Service.id).where(Service.name == spec.name)):
        raise AlreadyExists("service", spec.name)
    _apply(session, row, spec)
    if spec.name != name:
        access.rename_resource(session, ResourceKind.SERVICE, name, spec.name)
    session.flush()
    audit.record(session, "service.update", actor=actor, resource=f"service:{name}")
    return _to_record(session, row)


def get_service(session: Session, name: str) -> ServiceRecord:
    """The service called ``name``."""
    return _to_record(session, load(session, name))


def list_services(
    session: Session, *, names: set[str] | None = None, limit: int = 50, offset: int = 0
) -> Page[ServiceRecord]:
    """Services by name, optionally only those in ``names``."""
    statement = select(Service).options(selectinload(Service.libraries)).order_by(Service.name)
    if names is not None:
        statement = statement.where(Service.name.in_(names))
    return paginate(
        session, statement, lambda row: _to_record(session, row), limit=limit, offset=offset
    )


def all_names(session: Session) -> list[str]:
    """Every service's name."""
    return list(session.scalars(select(Service.name).order_by(Service.name)))


def delete_service(session: Session, name: str, *, actor: str = "") -> None:
    """Delete a service."""
    session.delete(load(session, name))
    access.drop_resource(session, ResourceKind.SERVICE, name)
    audit.record(session, "service.delete", actor=actor, resource=f"service:{name}")
