"""Roles: named sets of capabilities, given to users and groups."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from baton.registry import audit, groups, guards, users
from baton.registry.enums import Capability, PrincipalKind
from baton.registry.models import Group, Role, RoleAssignment, User
from baton.registry.naming import check_name
from baton.registry.paging import paginate
from baton.registry.records import Page, RoleRecord

#: Roles every installation has; their capabilities cannot be changed.
BUILTIN_ROLES: dict[str, tuple[str, tuple[Capability, ...]]] = {
    "admin": ("Everything, including granting rights.", tuple(Capability)),
    "operator": ("Watch and control servers, spawners and services.", (Capability.OPERATE,)),
    "designer": (
        "Design orchestration jobs and run them.",
        (Capability.DESIGN_JOBS, Capability.RUN_JOBS, Capability.RUN_PROGRAMS),
    ),
    "analyst": ("Run jobs and programs.", (Capability.RUN_JOBS, Capability.RUN_PROGRAMS)),
    "webuser": ("Run programs from forms and links.", (Capability.RUN_PROGRAMS,)),
}


def _capabilities(values: Iterable[str]) -> tuple[Capability, ...]:
    try:
        return tuple(sorted({Capability(value) for value in values}))
    except ValueError as exc:
        raise InvalidInput("capabilities", str(exc)) from exc


def _to_record(session: Session, role: Role) -> RoleRecord:
    assigned = session.execute(
        select(User.name, Group.name)
        .select_from(RoleAssignment)
        .outerjoin(User, RoleAssignment.user_id == User.id)
        .outerjoin(Group, RoleAssignment.group_id == Group.id)
        .where(RoleAssignment.role_id == role.id)
    ).all()
    return RoleRecord(
        id=role.id,
        name=role.name,
        description=role.description,
        builtin=role.builtin,
        capabilities=_capabilities(role.capabilities),
        users=tuple(sorted(user for user, _ in assigned if user)),
        groups=tuple(sorted(group for _, group in assigned if group)),
    )


def load(session: Session, name: str) -> Role:
    """The ORM role called ``name``, or :class:`NotFound`."""
    role = session.scalar(select(Role).where(Role.name == name))
    if role is None:
        raise NotFound("role", name)
    return role


def create_role(
    session: Session,
    name: str,
    capabilities: Iterable[str],
    *,
    description: str = "",
    builtin: bool = False,
    actor: str = "",
) -> RoleRecord:
    """Create a role with the given capabilities."""
    check_name(name)
    if session.scalar(select(Role.id).where(Role.name == name)) is not None:
        raise AlreadyExists("role", name)
    role = Role(
        name=name,
        description=description,
        builtin=builtin,
        capabilities=[str(cap) for cap in _capabilities(capabilities)],
    )
    session.add(role)
    session.flush()
    audit.record(session, "role.create", actor=actor, resource=f"role:{name}")
    return _to_record(session, role)


def update_role(
    session: Session,
    name: str,
    *,
    capabilities: Iterable[str] | None = None,
    description: str | None = None,
    actor: str = "",
) -> RoleRecord:
    """Change a custom role's capabilities or description."""
    role = load(session, name)
    if capabilities is not None:
        if role.builtin:
            raise Conflict(f"role {name!r} is built in; its capabilities are fixed")
        with guards.keeping_an_administrator(session):
            role.capabilities = [str(cap) for cap in _capabilities(capabilities)]
    if description is not None:
        role.description = description
    session.flush()
    audit.record(session, "role.update", actor=actor, resource=f"role:{name}")
    return _to_record(session, role)


def get_role(session: Session, name: str) -> RoleRecord:
    """The role called ``name``."""
    return _to_record(session, load(session, name))


def list_roles(session: Session, *, limit: int = 50, offset: int = 0) -> Page[RoleRecord]:
    """Roles by name."""
    statement = select(Role).order_by(Role.name)
    return paginate(
        session, statement, lambda role: _to_record(session, role), limit=limit, offset=offset
    )


def delete_role(session: Session, name: str, *, actor: str = "") -> None:
    """Delete a custom role and its assignments."""
    role = load(session, name)
    if role.builtin:
        raise Conflict(f"role {name!r} is built in and cannot be deleted")
    with guards.keeping_an_administrator(session):
        session.delete(role)
    audit.record(session, "role.delete", actor=actor, resource=f"role:{name}")


def _principal_filter(
    session: Session, kind: PrincipalKind, principal: str
) -> tuple[int | None, int | None]:
    if kind is PrincipalKind.USER:
        return users.load(session, principal).id, None
    return None, groups.load(session, principal).id


def assign(
    session: Session, role_name: str, kind: PrincipalKind, principal: str, *, actor: str = ""
) -> RoleRecord:
    """Give a role to a user or a group (idempotent)."""
    role = load(session, role_name)
    user_id, group_id = _principal_filter(session, kind, principal)
    existing = session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.role_id == role.id,
            RoleAssignment.user_id.is_(None)
            if user_id is None
            else RoleAssignment.user_id == user_id,
            RoleAssignment.group_id.is_(None)
            if group_id is None
            else RoleAssignment.group_id == group_id,
        )
    )
    if existing is None:
        session.add(RoleAssignment(role_id=role.id, user_id=user_id, group_id=group_id))
        session.flush()
    audit.record(
        session,
        "grant",
        actor=actor,
        resource=f"role:{role_name}",
        detail={"principal": f"{kind}:{principal}"},
    )
    return _to_record(session, role)


def unassign(
    session: Session, role_name: str, kind: PrincipalKind, principal: str, *, actor: str = ""
) -> RoleRecord:
    """Take a role away from a user or a group."""
    role = load(session, role_name)
    user_id, group_id = _principal_filter(session, kind, principal)
    assignment = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.role_id == role.id,
            RoleAssignment.user_id == user_id
            if user_id is not None
            else RoleAssignment.group_id == group_id,
        )
    )
    if assignment is None:
        raise NotFound(f"holder of role {role_name!r}", principal)
    with guards.keeping_an_administrator(session):
        session.delete(assignment)
    audit.record(
        session,
        "revoke",
        actor=actor,
        resource=f"role:{role_name}",
        detail={"principal": f"{kind}:{principal}"},
    )
    return _to_record(session, role)


def capabilities_of(
    session: Session, user_id: int | None, group_ids: Iterable[int]
) -> frozenset[Capability]:
    """The union of the capabilities of every role the user holds, directly or by group."""
    holders: ColumnElement[bool] = RoleAssignment.group_id.in_(list(group_ids))
    if user_id is not None:
        holders = or_(holders, RoleAssignment.user_id == user_id)
    rows = session.scalars(
        select(Role.capabilities)
        .join(RoleAssignment, RoleAssignment.role_id == Role.id)
        .where(holders)
    ).all()
    return frozenset(Capability(cap) for caps in rows for cap in caps)
