"""Who may do what: principals, permission grants, and the one check every action goes through.

A principal's rights come from its roles' capabilities (installation-wide: operate, design
jobs, ...) and from permissions on resources (run program ``sample.hello``), given to the user
directly or to any of its groups. Everyone is in PUBLIC; every signed-in user is in
AUTHENTICATED. The ``administer`` capability allows everything; the ``administer`` action on a
resource implies the others; a grant on a library covers its programs; ``*`` covers every
resource of a kind and ``lib.*`` every program of a library.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from baton.errors import InvalidInput, NotFound, PermissionDenied
from baton.registry import audit, groups, roles, users
from baton.registry.enums import (
    AUTHENTICATED_GROUP,
    PUBLIC_GROUP,
    Action,
    Capability,
    PrincipalKind,
    ResourceKind,
)
from baton.registry.models import Group, Permission, User
from baton.registry.naming import check_resource_name
from baton.registry.records import Page, PermissionRecord


@dataclass(frozen=True)
class Principal:
    """Who is making a request, with everything needed to authorize it."""

    name: str
    user_id: int | None
    group_ids: frozenset[int]
    groups: frozenset[str]
    capabilities: frozenset[Capability]
    #: How the principal signed in: basic, bearer, cookie, host, or anonymous.
    method: str = "anonymous"
    token_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def can(self, capability: Capability) -> bool:
        """True when a role gives this capability (administrators have them all)."""
        return Capability.ADMINISTER in self.capabilities or capability in self.capabilities


def _builtin_group_ids(session: Session, names: tuple[str, ...]) -> dict[str, int]:
    rows = session.execute(select(Group.name, Group.id).where(Group.name.in_(names))).all()
    return {name: id_ for name, id_ in rows}


def principal_for(
    session: Session, user: User, *, method: str, token_id: int | None = None
) -> Principal:
    """The principal of a signed-in user: their groups plus PUBLIC and AUTHENTICATED."""
    builtin = _builtin_group_ids(session, (PUBLIC_GROUP, AUTHENTICATED_GROUP))
    group_ids = {group.id for group in user.groups} | set(builtin.values())
    names = {group.name for group in user.groups} | set(builtin)
    return Principal(
        name=user.name,
        user_id=user.id,
        group_ids=frozenset(group_ids),
        groups=frozenset(names),
        capabilities=roles.capabilities_of(session, user.id, group_ids),
        method=method,
        token_id=token_id,
    )


def anonymous(session: Session) -> Principal:
    """The principal of an unauthenticated request: PUBLIC's rights only."""
    builtin = _builtin_group_ids(session, (PUBLIC_GROUP,))
    return Principal(
        name="",
        user_id=None,
        group_ids=frozenset(builtin.values()),
        groups=frozenset(builtin),
        capabilities=roles.capabilities_of(session, None, builtin.values()),
    )


def _resource_candidates(kind: ResourceKind, name: str) -> list[tuple[ResourceKind, str]]:
    candidates = [(kind, name), (kind, "*")]
    if kind is ResourceKind.PROGRAM and "." in name:
        library = name.split(".", 1)[0]
        candidates += [
            (ResourceKind.PROGRAM, f"{library}.*"),
            (ResourceKind.LIBRARY, library),
            (ResourceKind.LIBRARY, "*"),
        ]
    return candidates


def is_allowed(
    session: Session, principal: Principal, kind: ResourceKind, name: str, action: Action
) -> bool:
    """True when ``principal`` may do ``action`` on the resource ``kind``/``name``."""
    if principal.can(Capability.ADMINISTER):
        return True
    holders: ColumnElement[bool] = Permission.group_id.in_(principal.group_ids)
    if principal.user_id is not None:
        holders = or_(holders, Permission.user_id == principal.user_id)
    resources = or_(
        *(
            (Permission.resource_kind == k) & (Permission.resource_name == n)
            for k, n in _resource_candidates(kind, name)
        )
    )
    found = session.scalar(
        select(Permission.id)
        .where(holders, resources, Permission.action.in_([action, Action.ADMINISTER]))
        .limit(1)
    )
    return found is not None


def allowed_names(
    session: Session,
    principal: Principal,
    kind: ResourceKind,
    action: Action,
    names: list[str],
) -> set[str]:
    """Those of ``names`` (resources of ``kind``) that ``principal`` may ``action``."""
    if principal.can(Capability.ADMINISTER):
        return set(names)
    holders: ColumnElement[bool] = Permission.group_id.in_(principal.group_ids)
    if principal.user_id is not None:
        holders = or_(holders, Permission.user_id == principal.user_id)
    granted = set(
        session.scalars(
            select(Permission.resource_name).where(
                holders,
                Permission.resource_kind == kind,
                Permission.action.in_([action, Action.ADMINISTER]),
            )
        )
    )
    return set(names) if "*" in granted else granted & set(names)


def require(
    session: Session, principal: Principal, kind: ResourceKind, name: str, action: Action
) -> None:
    """Raise :class:`PermissionDenied` unless :func:`is_allowed`."""
    if not is_allowed(session, principal, kind, name, action):
        raise PermissionDenied(str(action), f"{kind} {name!r}")


def require_capability(principal: Principal, capability: Capability) -> None:
    """Raise :class:`PermissionDenied` unless the principal has ``capability``."""
    if not principal.can(capability):
        raise PermissionDenied(str(capability), "this installation")


def _to_record(row: Permission, user: str | None, group: str | None) -> PermissionRecord:
    return PermissionRecord(
        id=row.id,
        principal_kind=PrincipalKind.USER if user is not None else PrincipalKind.GROUP,
        principal=user if user is not None else group or "",
        resource_kind=row.resource_kind,
        resource_name=row.resource_name,
        action=row.action,
        granted_by=row.granted_by,
        created_at=row.created_at,
    )


def _holder(session: Session, kind: PrincipalKind, principal: str) -> tuple[int | None, int | None]:
    if kind is PrincipalKind.USER:
        return users.load(session, principal).id, None
    return None, groups.load(session, principal).id


def _find(
    session: Session,
    kind: PrincipalKind,
    principal: str,
    resource_kind: ResourceKind,
    resource_name: str,
    action: Action,
) -> Permission | None:
    user_id, group_id = _holder(session, kind, principal)
    holder = (
        Permission.user_id == user_id if user_id is not None else Permission.group_id == group_id
    )
    return session.scalar(
        select(Permission).where(
            holder,
            Permission.resource_kind == resource_kind,
            Permission.resource_name == resource_name,
            Permission.action == action,
        )
    )


def grant(
    session: Session,
    kind: PrincipalKind,
    principal: str,
    resource_kind: ResourceKind,
    resource_name: str,
    action: Action,
    *,
    granted_by: str,
    remote_addr: str = "",
) -> PermissionRecord:
    """Allow a user or group an action on a resource (idempotent; audited)."""
    check_resource_name(resource_name)
    row = _find(session, kind, principal, resource_kind, resource_name, action)
    if row is None:
        user_id, group_id = _holder(session, kind, principal)
        row = Permission(
            user_id=user_id,
            group_id=group_id,
            resource_kind=resource_kind,
            resource_name=resource_name,
            action=action,
            granted_by=granted_by,
        )
        session.add(row)
        session.flush()
    audit.record(
        session,
        "grant",
        actor=granted_by,
        resource=f"{resource_kind}:{resource_name}",
        remote_addr=remote_addr,
        detail={"principal": f"{kind}:{principal}", "permission": str(action)},
    )
    user = principal if kind is PrincipalKind.USER else None
    group = principal if kind is PrincipalKind.GROUP else None
    return _to_record(row, user, group)


def revoke(
    session: Session,
    kind: PrincipalKind,
    principal: str,
    resource_kind: ResourceKind,
    resource_name: str,
    action: Action,
    *,
    revoked_by: str,
    remote_addr: str = "",
) -> None:
    """Withdraw a grant (audited); :class:`NotFound` when there is no such grant."""
    row = _find(session, kind, principal, resource_kind, resource_name, action)
    if row is None:
        raise NotFound("permission", f"{action} {resource_kind}:{resource_name} for {principal}")
    session.delete(row)
    audit.record(
        session,
        "revoke",
        actor=revoked_by,
        resource=f"{resource_kind}:{resource_name}",
        remote_addr=remote_addr,
        detail={"principal": f"{kind}:{principal}", "permission": str(action)},
    )


def revoke_by_id(
    session: Session, permission_id: int, *, revoked_by: str, remote_addr: str = ""
) -> None:
    """Withdraw the grant with this id (audited)."""
    found = session.execute(
        select(Permission, User.name, Group.name)
        .outerjoin(User, Permission.user_id == User.id)
        .outerjoin(Group, Permission.group_id == Group.id)
        .where(Permission.id == permission_id)
    ).first()
    if found is None:
        raise NotFound("permission", permission_id)
    row, user, group = found
    holder = f"user:{user}" if user is not None else f"group:{group}"
    session.delete(row)
    audit.record(
        session,
        "revoke",
        actor=revoked_by,
        resource=f"{row.resource_kind}:{row.resource_name}",
        remote_addr=remote_addr,
        detail={"principal": holder, "permission": str(row.action)},
    )


def rename_resource(session: Session, kind: ResourceKind, old: str, new: str) -> None:
    """Move the grants on a renamed resource to its new name."""
    for row in session.scalars(
        select(Permission).where(Permission.resource_kind == kind, Permission.resource_name == old)
    ):
        row.resource_name = new


def drop_resource(session: Session, kind: ResourceKind, name: str) -> None:
    """Delete the grants on a deleted resource, so a new one of that name starts with none."""
    names = [name, f"{name}.*"] if kind is ResourceKind.LIBRARY else [name]
    session.execute(
        delete(Permission).where(
            Permission.resource_kind == kind, Permission.resource_name.in_(names)
        )
    )
    if kind is ResourceKind.LIBRARY:  # program grants inside the library go with it
        session.execute(
            delete(Permission).where(
                Permission.resource_kind == ResourceKind.PROGRAM,
                Permission.resource_name.startswith(f"{name}.", autoescape=True),
            )
        )


def list_permissions(
    session: Session,
    *,
    resource_kind: ResourceKind | None = None,
    principal_kind: PrincipalKind | None = None,
    principal: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[PermissionRecord]:
    """Grants, filtered by resource kind or holder."""
    statement = (
        select(Permission, User.name, Group.name)
        .outerjoin(User, Permission.user_id == User.id)
        .outerjoin(Group, Permission.group_id == Group.id)
        .order_by(Permission.resource_kind, Permission.resource_name, Permission.id)
    )
    if resource_kind is not None:
        statement = statement.where(Permission.resource_kind == resource_kind)
    if principal_kind is not None and principal is not None:
        user_id, group_id = _holder(session, principal_kind, principal)
        statement = statement.where(
            Permission.user_id == user_id
            if user_id is not None
            else Permission.group_id == group_id
        )
    elif principal is not None:
        raise InvalidInput("principal_kind", "name the kind (user or group) of the principal")
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    return Page[PermissionRecord](
        items=[_to_record(row, user, group) for row, user, group in rows],
        total=total or 0,
        limit=limit,
        offset=offset,
    )
