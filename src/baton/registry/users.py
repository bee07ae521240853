"""Users: accounts with argon2id passwords (or host authentication), enabled or disabled."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from baton.errors import AlreadyExists, InvalidInput, NotFound
from baton.registry import audit, guards, sessions
from baton.registry.enums import AuthSource
from baton.registry.models import User
from baton.registry.naming import check_name
from baton.registry.paging import paginate
from baton.registry.passwords import hash_password, needs_rehash, verify_password
from baton.registry.records import Page, UserRecord


def to_record(user: User) -> UserRecord:
    """The frozen record of ``user``."""
    return UserRecord(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        email=user.email,
        auth_source=user.auth_source,
        disabled=user.disabled,
        created_at=user.created_at,
        groups=tuple(sorted(group.name for group in user.groups)),
    )


def find(session: Session, name: str) -> User | None:
    """The ORM user called ``name`` (for use inside the registry package)."""
    return session.scalar(select(User).where(User.name == name))


def load(session: Session, name: str) -> User:
    """The ORM user called ``name``, or :class:`NotFound`."""
    user = find(session, name)
    if user is None:
        raise NotFound("user", name)
    return user


def create_user(
    session: Session,
    name: str,
    *,
    password: str | None,
    display_name: str = "",
    email: str = "",
    auth_source: AuthSource = AuthSource.LOCAL,
    actor: str = "",
) -> UserRecord:
    """Create a user; local users need a password, host users must not have one."""
    check_name(name)
    if find(session, name) is not None:
        raise AlreadyExists("user", name)
    if auth_source is AuthSource.LOCAL and password is None:
        raise InvalidInput("password", "a local user needs a password")
    if auth_source is AuthSource.HOST and password is not None:
        raise InvalidInput("password", "a host-authenticated user has no registry password")
    user = User(
        name=name,
        display_name=display_name,
        email=email,
        auth_source=auth_source,
        password_hash=hash_password(password) if password is not None else None,
        groups=[],
    )
    session.add(user)
    session.flush()
    audit.record(session, "user.create", actor=actor, resource=f"user:{name}")
    return to_record(user)


def get_user(session: Session, name: str) -> UserRecord:
    """The user called ``name``."""
    return to_record(load(session, name))


def list_users(
    session: Session, *, search: str | None = None, limit: int = 50, offset: int = 0
) -> Page[UserRecord]:
    """Users by name; with ``search``, those whose name, display name or email contains it
    (letter case ignored; ``%`` and ``_`` are matched as themselves)."""
    statement = select(User).options(selectinload(User.groups)).order_by(User.name)
    if search:
        statement = statement.where(
            or_(
                User.name.icontains(search, autoescape=True),
                User.display_name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
            )
        )
    return paginate(session, statement, to_record, limit=limit, offset=offset)


def update_user(
    session: Session,
    name: str,
    *,
    display_name: str | None = None,
    email: str | None = None,
    disabled: bool | None = None,
    actor: str = "",
) -> UserRecord:
    """Change the given fields of a user."""
    user = load(session, name)
    if display_name is not None:
        user.display_name = display_name
    if email is not None:
        user.email = email
    if disabled is not None:
        with guards.keeping_an_administrator(session):
            user.disabled = disabled
        if disabled:
            sessions.end_all(session, user.id)
    session.flush()
    audit.record(
        session,
        "user.update",
        actor=actor,
        resource=f"user:{name}",
        detail={"disabled": disabled} if disabled is not None else None,
    )
    return to_record(user)


def set_password(session: Session, name: str, password: str, *, actor: str = "") -> None:
    """Give a local user a new password."""
    user = load(session, name)
    if user.auth_source is not AuthSource.LOCAL:
        raise InvalidInput("password", f"user {name!r} signs in through the host, not Baton")
    user.password_hash = hash_password(password)
    sessions.end_all(session, user.id)
    audit.record(session, "user.password", actor=actor, resource=f"user:{name}")


def delete_user(session: Session, name: str, *, actor: str = "") -> None:
    """Delete a user with their tokens, memberships and grants."""
    user = load(session, name)
    with guards.keeping_an_administrator(session):
        session.delete(user)
    audit.record(session, "user.delete", actor=actor, resource=f"user:{name}")


def check_password(session: Session, name: str, password: str) -> User | None:
    """The enabled local user whose password this is, else None (constant work either way).

    Rehashes the password when the stored hash uses outdated parameters.
    """
    user = find(session, name)
    local = user is not None and user.auth_source is AuthSource.LOCAL
    hashed = user.password_hash if user is not None and local else None
    if not verify_password(hashed, password) or user is None or user.disabled:
        return None
    if hashed is not None and needs_rehash(hashed):
        user.password_hash = hash_password(password)
    return user
