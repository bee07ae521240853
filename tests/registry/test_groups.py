"""Groups: built-ins are fixed, members come and go, deletion takes grants along."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from baton.registry import access, groups, users
from baton.registry.database import Database
from baton.registry.enums import (
    AUTHENTICATED_GROUP,
    BUILTIN_GROUPS,
    PUBLIC_GROUP,
    Action,
    PrincipalKind,
    ResourceKind,
)
from baton.registry.models import GroupMember, Permission
from tests.registry.conftest import host_user


def test_builtin_groups_exist(database: Database) -> None:
    with database.session() as session:
        for name in (PUBLIC_GROUP, AUTHENTICATED_GROUP):
            group = groups.get_group(session, name)
            assert group.builtin is True
            assert group.members == ()
            assert group.description


@pytest.mark.parametrize("name", BUILTIN_GROUPS)
def test_builtin_groups_cannot_be_deleted(database: Database, name: str) -> None:
    with pytest.raises(Conflict, match=name), database.session() as session:
        groups.delete_group(session, name)
    with database.session() as session:
        assert groups.get_group(session, name).builtin


@pytest.mark.parametrize("name", BUILTIN_GROUPS)
def test_builtin_membership_cannot_change(database: Database, name: str) -> None:
    with database.session() as session:
        host_user(session, "alice")
    with pytest.raises(Conflict), database.session() as session:
        groups.add_member(session, name, "alice")
    with pytest.raises(Conflict), database.session() as session:
        groups.remove_member(session, name, "alice")
    with database.session() as session:
        assert groups.get_group(session, name).members == ()
        assert users.get_user(session, "alice").groups == ()


def test_create_group(database: Database) -> None:
    with database.session() as session:
        created = groups.create_group(session, "analysts", description="People who analyse.")
    assert (created.name, created.description, created.builtin) == (
        "analysts",
        "People who analyse.",
        False,
    )
    with pytest.raises(AlreadyExists) as caught, database.session() as session:
        groups.create_group(session, "analysts")
    assert (caught.value.kind, caught.value.name) == ("group", "analysts")
    with pytest.raises(InvalidInput) as invalid, database.session() as session:
        groups.create_group(session, "bad name")
    assert invalid.value.field == "name"


def test_add_and_remove_members(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
        host_user(session, "bob")
        groups.create_group(session, "team")
    with database.session() as session:
        groups.add_member(session, "team", "bob")
        record = groups.add_member(session, "team", "alice")
    assert record.members == ("alice", "bob")
    with database.session() as session:
        assert users.get_user(session, "alice").groups == ("team",)
        record = groups.remove_member(session, "team", "alice")
    assert record.members == ("bob",)
    with database.session() as session:
        assert groups.get_group(session, "team").members == ("bob",)
        assert users.get_user(session, "alice").groups == ()


def test_add_member_is_idempotent(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
        groups.create_group(session, "team")
        groups.add_member(session, "team", "alice")
    with database.session() as session:
        record = groups.add_member(session, "team", "alice")
    assert record.members == ("alice",)
    with database.session() as session:
        rows = session.scalar(select(func.count()).select_from(GroupMember))
    assert rows == 1


def test_membership_errors(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
        groups.create_group(session, "team")
    with pytest.raises(NotFound) as caught, database.session() as session:
        groups.remove_member(session, "team", "alice")
    assert caught.value.name == "alice"
    with pytest.raises(NotFound) as caught, database.session() as session:
        groups.add_member(session, "team", "ghost")
    assert (caught.value.kind, caught.value.name) == ("user", "ghost")
    with pytest.raises(NotFound) as caught, database.session() as session:
        groups.add_member(session, "nogroup", "alice")
    assert (caught.value.kind, caught.value.name) == ("group", "nogroup")


def test_delete_group_takes_memberships_and_grants_but_not_users(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
        groups.create_group(session, "team")
        groups.create_group(session, "other")
        for name in ("team", "other"):
            groups.add_member(session, name, "alice")
            access.grant(
                session,
                PrincipalKind.GROUP,
                name,
                ResourceKind.SERVICE,
                "default",
                Action.RUN,
                granted_by="admin",
            )
    with database.session() as session:
        groups.delete_group(session, "team")
    with database.session() as session:
        with pytest.raises(NotFound):
            groups.get_group(session, "team")
        assert users.get_user(session, "alice").groups == ("other",)
        assert session.scalar(select(func.count()).select_from(Permission)) == 1
        assert session.scalar(select(func.count()).select_from(GroupMember)) == 1


def test_list_groups(database: Database) -> None:
    # Names that sort alike under every collation (byte order or a locale's).
    with database.session() as session:
        for name in ("zeta", "quality", "sales"):
            groups.create_group(session, name)
    with database.session() as session:
        page = groups.list_groups(session, limit=3)
        rest = groups.list_groups(session, limit=3, offset=3)
    assert page.total == rest.total == 5
    assert [g.name for g in page.items] == ["AUTHENTICATED", "PUBLIC", "quality"]
    assert [g.name for g in rest.items] == ["sales", "zeta"]
