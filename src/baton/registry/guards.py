"""Invariants of the registry that several kinds of change could break."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.errors import Conflict
from baton.registry.enums import AUTHENTICATED_GROUP, Capability
from baton.registry.models import Group, GroupMember, Role, RoleAssignment, User


@contextmanager
def keeping_an_administrator(session: Session) -> Iterator[None]:
    """Refuse (with :class:`Conflict`) the change made in the block if it leaves no enabled
    user with the administer capability where there was one: disabling or deleting the last
    administrator, taking their role, removing them from the group that gives it, or taking
    the capability from the role. The change is flushed, not committed, when it is checked.
    """
    had = has_an_administrator(session)
    yield
    session.flush()
    if had and not has_an_administrator(session):
        raise Conflict("the change would leave no enabled administrator")


def has_an_administrator(session: Session) -> bool:
    """True when some enabled user has the administer capability."""
    session.flush()
    admin_roles = [
        role_id
        for role_id, capabilities in session.execute(select(Role.id, Role.capabilities))
        if Capability.ADMINISTER in capabilities
    ]
    if not admin_roles:
        return False
    enabled = User.disabled.is_(False)
    direct = select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
    direct = direct.where(RoleAssignment.role_id.in_(admin_roles), enabled)
    by_group = (
        select(User.id)
        .join(GroupMember, GroupMember.user_id == User.id)
        .join(RoleAssignment, RoleAssignment.group_id == GroupMember.group_id)
        .where(RoleAssignment.role_id.in_(admin_roles), enabled)
    )
    everyone = (
        select(User.id)
        .where(enabled)
        .where(
            select(RoleAssignment.id)
            .join(Group, Group.id == RoleAssignment.group_id)
            .where(Group.name == AUTHENTICATED_GROUP, RoleAssignment.role_id.in_(admin_roles))
            .exists()
        )
    )
    return any(session.scalar(query.limit(1)) is not None for query in (direct, by_group, everyone))
