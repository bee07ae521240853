"""Users: creation rules, passwords, updates, deletion with everything that hangs off a user."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from baton.errors import AlreadyExists, InvalidInput, NotFound
from baton.registry import access, groups, roles, tokens, users
from baton.registry.database import Database
from baton.registry.enums import Action, AuthSource, PrincipalKind, ResourceKind
from baton.registry.models import ApiToken, GroupMember, Permission, RoleAssignment, User
from baton.registry.passwords import MAX_LENGTH, MIN_LENGTH
from tests.registry.conftest import host_user

PASSWORD = "tr0ub4dor&3-long"


def test_create_local_user(database: Database) -> None:
    with database.session() as session:
        created = users.create_user(
            session, "alice", password=PASSWORD, display_name="Alice A.", email="alice@example.org"
        )
    assert created.name == "alice"
    assert created.display_name == "Alice A."
    assert created.email == "alice@example.org"
    assert created.auth_source is AuthSource.LOCAL
    assert created.disabled is False
    assert created.groups == ()
    with database.session() as session:
        fetched = users.get_user(session, "alice")
        stored = session.scalar(select(User.password_hash).where(User.name == "alice"))
    assert (fetched.id, fetched.name, fetched.email) == (created.id, "alice", "alice@example.org")
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_create_host_user_has_no_password(database: Database) -> None:
    with database.session() as session:
        created = host_user(session, "hostie")
        stored = session.scalar(select(User.password_hash).where(User.name == "hostie"))
    assert created.auth_source is AuthSource.HOST
    assert stored is None


@pytest.mark.parametrize(
    "name", ["", "1alice", "_alice", "al ice", "al/ice", "al.ice", "ålice", "a" * 65, "alice\n"]
)
def test_invalid_names_are_refused(database: Database, name: str) -> None:
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        host_user(session, name)
    assert caught.value.field == "name"


@pytest.mark.parametrize("name", ["a", "Alice", "al-ice_2", "a" * 64])
def test_valid_names(database: Database, name: str) -> None:
    with database.session() as session:
        assert host_user(session, name).name == name


def test_duplicate_name(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
    with pytest.raises(AlreadyExists) as caught, database.session() as session:
        host_user(session, "alice")
    assert (caught.value.kind, caught.value.name) == ("user", "alice")


def test_local_user_needs_a_password(database: Database) -> None:
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        users.create_user(session, "alice", password=None)
    assert caught.value.field == "password"


def test_host_user_must_not_have_a_password(database: Database) -> None:
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        users.create_user(session, "bob", password=PASSWORD, auth_source=AuthSource.HOST)
    assert caught.value.field == "password"


@pytest.mark.parametrize("password", ["", "x" * (MIN_LENGTH - 1), "x" * (MAX_LENGTH + 1)])
def test_password_length_is_checked(database: Database, password: str) -> None:
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        users.create_user(session, "alice", password=password)
    assert caught.value.field == "password"
    assert "password" in str(caught.value)
    with database.session() as session:
        assert users.find(session, "alice") is None


def test_check_password(database: Database) -> None:
    with database.session() as session:
        users.create_user(session, "alice", password=PASSWORD)
        host_user(session, "hostie")
    with database.session() as session:
        right = users.check_password(session, "alice", PASSWORD)
        assert right is not None and right.name == "alice"
        assert users.check_password(session, "alice", PASSWORD + "x") is None
        assert users.check_password(session, "alice", "") is None
        assert users.check_password(session, "nobody", PASSWORD) is None
        # A host user has no registry password: nothing matches, not even an empty one.
        assert users.check_password(session, "hostie", "") is None
        assert users.check_password(session, "hostie", PASSWORD) is None
        assert users.check_password(session, "alice", "y" * (MAX_LENGTH + 1)) is None


def test_disabled_user_cannot_sign_in(database: Database) -> None:
    with database.session() as session:
        users.create_user(session, "alice", password=PASSWORD)
        users.update_user(session, "alice", disabled=True)
    with database.session() as session:
        assert users.check_password(session, "alice", PASSWORD) is None
        users.update_user(session, "alice", disabled=False)
    with database.session() as session:
        assert users.check_password(session, "alice", PASSWORD) is not None


def test_outdated_hash_is_upgraded_on_sign_in(database: Database) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with database.session() as session:
        users.create_user(session, "alice", password=PASSWORD)
        users.load(session, "alice").password_hash = weak
    with database.session() as session:
        assert users.check_password(session, "alice", PASSWORD) is not None
    with database.session() as session:
        upgraded = session.scalar(select(User.password_hash).where(User.name == "alice"))
    assert upgraded is not None and upgraded != weak
    assert "m=8," not in upgraded


def test_set_password(database: Database) -> None:
    with database.session() as session:
        users.create_user(session, "alice", password=PASSWORD)
    with database.session() as session:
        users.set_password(session, "alice", "a-whole-new-secret")
    with database.session() as session:
        assert users.check_password(session, "alice", "a-whole-new-secret") is not None
        assert users.check_password(session, "alice", PASSWORD) is None


def test_set_password_refusals(database: Database) -> None:
    with database.session() as session:
        host_user(session, "hostie")
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        users.set_password(session, "hostie", PASSWORD)
    assert caught.value.field == "password"
    with pytest.raises(NotFound), database.session() as session:
        users.set_password(session, "nobody", PASSWORD)


def test_short_new_password_keeps_the_old_one(database: Database) -> None:
    with database.session() as session:
        users.create_user(session, "alice", password=PASSWORD)
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        users.set_password(session, "alice", "short")
    assert caught.value.field == "password"
    with database.session() as session:
        assert users.check_password(session, "alice", PASSWORD) is not None


def test_update_changes_only_given_fields(database: Database) -> None:
    with database.session() as session:
        users.create_user(
            session,
            "bob",
            password=None,
            auth_source=AuthSource.HOST,
            display_name="Bob",
            email="bob@example.org",
        )
    with database.session() as session:
        updated = users.update_user(session, "bob", email="robert@example.org")
    assert (updated.display_name, updated.email, updated.disabled) == (
        "Bob",
        "robert@example.org",
        False,
    )
    with database.session() as session:
        users.update_user(session, "bob", display_name="Robert", disabled=True)
    with database.session() as session:
        fetched = users.get_user(session, "bob")
    assert (fetched.display_name, fetched.email, fetched.disabled) == (
        "Robert",
        "robert@example.org",
        True,
    )


def test_unknown_user(database: Database) -> None:
    with database.session() as session:
        for call in (
            lambda: users.get_user(session, "ghost"),
            lambda: users.update_user(session, "ghost", email="x"),
            lambda: users.delete_user(session, "ghost"),
        ):
            with pytest.raises(NotFound) as caught:
                call()
            assert (caught.value.kind, caught.value.name) == ("user", "ghost")


def _rows_of(database: Database, user_id: int) -> dict[str, int]:
    with database.session() as session:
        return {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).where(model.user_id == user_id)
            )
            or 0
            for model in (ApiToken, GroupMember, Permission, RoleAssignment)
        }


def test_delete_cascades_to_tokens_memberships_roles_and_grants(database: Database) -> None:
    with database.session() as session:
        doomed = host_user(session, "doomed")
        keeper = host_user(session, "keeper")
        groups.create_group(session, "team")
        issued = {}
        for name in ("doomed", "keeper"):
            groups.add_member(session, "team", name)
            issued[name] = tokens.create_token(session, name, "cli", days=30, max_days=365)
            roles.assign(session, "operator", PrincipalKind.USER, name)
            access.grant(
                session,
                PrincipalKind.USER,
                name,
                ResourceKind.SERVICE,
                "default",
                Action.RUN,
                granted_by="admin",
            )
    everything = {"api_tokens": 1, "group_members": 1, "permissions": 1, "role_assignments": 1}
    assert _rows_of(database, doomed.id) == everything

    with database.session() as session:
        users.delete_user(session, "doomed")

    assert _rows_of(database, doomed.id) == dict.fromkeys(everything, 0)
    assert _rows_of(database, keeper.id) == everything
    with database.session() as session:
        assert users.find(session, "doomed") is None
        assert tokens.check_token(session, issued["doomed"].token) is None
        assert tokens.check_token(session, issued["keeper"].token) is not None
        assert groups.get_group(session, "team").members == ("keeper",)
        assert roles.get_role(session, "operator").users == ("keeper",)


def test_list_users_pages_and_counts(database: Database) -> None:
    names = ["erin", "alice", "dave", "carol", "bob"]
    with database.session() as session:
        for name in names:
            host_user(session, name)
        groups.create_group(session, "team")
        groups.add_member(session, "team", "carol")
    with database.session() as session:
        first = users.list_users(session, limit=2)
        second = users.list_users(session, limit=2, offset=2)
        last = users.list_users(session, limit=2, offset=4)
        beyond = users.list_users(session, limit=2, offset=10)
    assert [u.name for u in first.items] == ["alice", "bob"]
    assert [u.name for u in second.items] == ["carol", "dave"]
    assert [u.name for u in last.items] == ["erin"]
    assert beyond.items == []
    assert {first.total, second.total, last.total, beyond.total} == {5}
    assert (second.limit, second.offset) == (2, 2)
    assert second.items[0].groups == ("team",)


def test_search_by_name_display_name_or_email(database: Database) -> None:
    with database.session() as session:
        users.create_user(session, "ada", password=PASSWORD, display_name="Ada Lovelace")
        users.create_user(session, "bob", password=PASSWORD, email="bob@analytical.example")
        users.create_user(session, "c_d", password=PASSWORD)
    with database.session() as session:

        def found(search: str) -> list[str]:
            return [user.name for user in users.list_users(session, search=search).items]

        assert found("LOVE") == ["ada"]
        assert found("analytical") == ["bob"]
        assert found("_") == ["c_d"]  # a literal underscore, not a wildcard
        assert found("%") == []
        assert "ada" in found("a")
