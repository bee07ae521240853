"""Server definitions: the kinds of server processes the spawner launches."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from baton.errors import AlreadyExists, Conflict, NotFound
from baton.registry import access, audit, credentials, hosts
from baton.registry.enums import ResourceKind, ServerKind
from baton.registry.models import (
    Credential,
    Host,
    ServerDefinition,
    ServerDefinitionHost,
    Service,
)
from baton.registry.paging import paginate
from baton.registry.records import Page, ServerDefinitionRecord
from baton.registry.specs import PoolSettings, ServerDefinitionSpec


def find(session: Session, name: str) -> ServerDefinition | None:
    """The ORM row called ``name``, or None."""
    return session.scalar(select(ServerDefinition).where(ServerDefinition.name == name))


def load(session: Session, name: str) -> ServerDefinition:
    """The ORM definition called ``name``, or :class:`NotFound`."""
    row = session.scalar(select(ServerDefinition).where(ServerDefinition.name == name))
    if row is None:
        raise NotFound("server definition", name)
    return row


def _host_names(session: Session, definition_id: int) -> tuple[str, ...]:
    statement = (
        select(Host.name)
        .join(ServerDefinitionHost, ServerDefinitionHost.host_id == Host.id)
        .where(ServerDefinitionHost.definition_id == definition_id)
        .order_by(ServerDefinitionHost.position)
    )
    return tuple(session.scalars(statement))


def _to_record(session: Session, row: ServerDefinition) -> ServerDefinitionRecord:
    credential = session.get(Credential, row.credential_id) if row.credential_id else None
    names = _host_names(session, row.id)
    return ServerDefinitionRecord(
        id=row.id,
        name=row.name,
        kind=row.kind,
        description=row.description,
        command=tuple(row.command),
        working_dir=row.working_dir,
        environment=dict(row.environment),
        credential=credential.name if credential else None,
        run_as_client=row.run_as_client,
        host=names[0] if names else None,
        hosts=names,
        port_min=row.port_min,
        port_max=row.port_max,
        pool=PoolSettings.model_validate(row.pool).model_dump(),
        balancing=row.balancing,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _apply(session: Session, row: ServerDefinition, spec: ServerDefinitionSpec) -> None:
    """Copy ``spec`` into ``row`` and store its hosts in order (``row`` is flushed for its id)."""
    # Every name first: an unknown host leaves the row unchanged.
    host_ids = [hosts.load(session, name).id for name in spec.hosts]
    row.name = spec.name
    row.kind = spec.kind
    row.description = spec.description
    row.command = list(spec.command)
    row.working_dir = spec.working_dir
    row.environment = dict(spec.environment)
    row.credential_id = credentials.load(session, spec.credential).id if spec.credential else None
    row.run_as_client = spec.run_as_client
    row.port_min, row.port_max = spec.port_min, spec.port_max
    row.pool = spec.pool.model_dump()
    row.balancing = spec.balancing
    row.enabled = spec.enabled
    session.add(row)
    session.flush()
    session.execute(
        delete(ServerDefinitionHost).where(ServerDefinitionHost.definition_id == row.id)
    )
    session.add_all(
        ServerDefinitionHost(definition_id=row.id, host_id=host_id, position=position)
        for position, host_id in enumerate(host_ids)
    )
    session.flush()


def create_definition(
    session: Session, spec: ServerDefinitionSpec, *, actor: str = ""
) -> ServerDefinitionRecord:
    """Add a server definition."""
    if session.scalar(select(ServerDefinition.id).where(ServerDefinition.name == spec.name)):
        raise AlreadyExists("server definition", spec.name)
    row = ServerDefinition()
    _apply(session, row, spec)
    audit.record(
        session,
        "definition.create",
        actor=actor,
        resource=f"server_definition:{spec.name}",
        detail={"hosts": list(spec.hosts)},
    )
    return _to_record(session, row)


def replace_definition(
    session: Session, name: str, spec: ServerDefinitionSpec, *, actor: str = ""
) -> ServerDefinitionRecord:
    """Replace a definition with ``spec`` (a different ``spec.name`` renames it)."""
    row = load(session, name)
    if spec.name != name and session.scalar(
        select(ServerDefinition.id).where(ServerDefinition.name == spec.name)
    ):
        raise AlreadyExists("server definition", spec.name)
    _apply(session, row, spec)
    if spec.name != name:
        access.rename_resource(session, ResourceKind.SERVER_DEFINITION, name, spec.name)
    session.flush()
    audit.record(
        session,
        "definition.update",
        actor=actor,
        resource=f"server_definition:{name}",
        detail={"hosts": list(spec.hosts)},
    )
    return _to_record(session, row)


def get_definition(session: Session, name: str) -> ServerDefinitionRecord:
    """The definition called ``name``."""
    return _to_record(session, load(session, name))


def list_definitions(
    session: Session,
    *,
    kind: ServerKind | None = None,
    names: set[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[ServerDefinitionRecord]:
    """Definitions by name, optionally of one kind or among ``names``."""
    statement = select(ServerDefinition).order_by(ServerDefinition.name)
    if kind is not None:
        statement = statement.where(ServerDefinition.kind == kind)
    if names is not None:
        statement = statement.where(ServerDefinition.name.in_(names))
    return paginate(
        session, statement, lambda row: _to_record(session, row), limit=limit, offset=offset
    )


def names_on_host(session: Session, host: str | None) -> list[str]:
    """The enabled definitions that list ``host`` among their hosts (None: those with no
    host, which run on the control plane's own)."""
    statement = select(ServerDefinition.name).where(ServerDefinition.enabled.is_(True))
    listed = select(ServerDefinitionHost.definition_id)
    if host:
        listed = listed.join(Host, Host.id == ServerDefinitionHost.host_id).where(Host.name == host)
        statement = statement.where(ServerDefinition.id.in_(listed))
    else:
        statement = statement.where(ServerDefinition.id.not_in(listed))
    return list(session.scalars(statement.order_by(ServerDefinition.name)))


def all_names(session: Session) -> list[str]:
    """Every definition's name."""
    return list(session.scalars(select(ServerDefinition.name).order_by(ServerDefinition.name)))


def delete_definition(session: Session, name: str, *, actor: str = "") -> None:
    """Delete a definition no service uses."""
    row = load(session, name)
    users = session.scalars(select(Service.name).where(Service.server_definition_id == row.id))
    in_use = list(users)
    if in_use:
        raise Conflict(f"server definition {name!r} is used by services {', '.join(in_use)}")
    session.delete(row)
    access.drop_resource(session, ResourceKind.SERVER_DEFINITION, name)
    audit.record(session, "definition.delete", actor=actor, resource=f"server_definition:{name}")
