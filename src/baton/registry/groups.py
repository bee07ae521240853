"""Groups of users; PUBLIC and AUTHENTICATED are built in and have implicit members."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from baton.errors import AlreadyExists, Conflict, NotFound
from baton.registry import audit, guards, users
from baton.registry.enums import BUILTIN_GROUPS
from baton.registry.models import Group
from baton.registry.naming import check_name
from baton.registry.paging import paginate
from baton.registry.records import GroupRecord, Page


def to_record(group: Group) -> GroupRecord:
    """The frozen record of ``group``."""
    return GroupRecord(
        id=group.id,
        name=group.name,
        description=group.description,
        builtin=group.builtin,
        created_at=group.created_at,
        members=tuple(sorted(user.name for user in group.members)),
    )


def load(session: Session, name: str) -> Group:
    """The ORM group called ``name``, or :class:`NotFound`."""
    group = session.scalar(select(Group).where(Group.name == name))
    if group is None:
        raise NotFound("group", name)
    return group


def create_group(
    session: Session, name: str, *, description: str = "", builtin: bool = False, actor: str = ""
) -> GroupRecord:
    """Create a group."""
    check_name(name)
    if session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise AlreadyExists("group", name)
    group = Group(name=name, description=description, builtin=builtin, members=[])
    session.add(group)
    session.flush()
    audit.record(session, "group.create", actor=actor, resource=f"group:{name}")
    return to_record(group)


def get_group(session: Session, name: str) -> GroupRecord:
    """The group called ``name``."""
    return to_record(load(session, name))


def list_groups(session: Session, *, limit: int = 50, offset: int = 0) -> Page[GroupRecord]:
    """Groups by name."""
    statement = select(Group).options(selectinload(Group.members)).order_by(Group.name)
    return paginate(session, statement, to_record, limit=limit, offset=offset)


def delete_group(session: Session, name: str, *, actor: str = "") -> None:
    """Delete a group (not a built-in one) with its grants."""
    group = load(session, name)
    if group.builtin:
        raise Conflict(f"group {name!r} is built in and cannot be deleted")
    with guards.keeping_an_administrator(session):
        session.delete(group)
    audit.record(session, "group.delete", actor=actor, resource=f"group:{name}")


def _mutable(session: Session, name: str) -> Group:
    group = load(session, name)
    if group.name in BUILTIN_GROUPS:
        raise Conflict(f"membership of {name!r} is implicit and cannot be changed")
    return group


def add_member(
    session: Session, group_name: str, user_name: str, *, actor: str = ""
) -> GroupRecord:
    """Put a user in a group (idempotent)."""
    group = _mutable(session, group_name)
    user = users.load(session, user_name)
    if user not in group.members:
        group.members.append(user)
    session.flush()
    audit.record(
        session,
        "group.add_member",
        actor=actor,
        resource=f"group:{group_name}",
        detail={"user": user_name},
    )
    return to_record(group)


def remove_member(
    session: Session, group_name: str, user_name: str, *, actor: str = ""
) -> GroupRecord:
    """Take a user out of a group."""
    group = _mutable(session, group_name)
    user = users.load(session, user_name)
    if user not in group.members:
        raise NotFound(f"member of group {group_name!r}", user_name)
    with guards.keeping_an_administrator(session):
        group.members.remove(user)
    audit.record(
        session,
        "group.remove_member",
        actor=actor,
        resource=f"group:{group_name}",
        detail={"user": user_name},
    )
    return to_record(group)
