"""Roles: built-in capability sets, custom roles, assignment to users and groups."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from baton.registry import access, groups, roles, users
from baton.registry.database import Database
from baton.registry.enums import Capability, PrincipalKind
from baton.registry.models import RoleAssignment
from tests.registry.conftest import host_user

C = Capability
EXPECTED_BUILTINS = {
    "admin": {C.ADMINISTER, C.OPERATE, C.DESIGN_JOBS, C.RUN_JOBS, C.RUN_PROGRAMS},
    "operator": {C.OPERATE},
    "designer": {C.DESIGN_JOBS, C.RUN_JOBS, C.RUN_PROGRAMS},
    "analyst": {C.RUN_JOBS, C.RUN_PROGRAMS},
    "webuser": {C.RUN_PROGRAMS},
}


@pytest.mark.parametrize(("name", "capabilities"), sorted(EXPECTED_BUILTINS.items()))
def test_builtin_roles(database: Database, name: str, capabilities: set[Capability]) -> None:
    with database.session() as session:
        role = roles.get_role(session, name)
    assert role.builtin is True
    assert set(role.capabilities) == capabilities
    assert role.description


def test_builtin_roles_are_all_there(database: Database) -> None:
    with database.session() as session:
        listed = roles.list_roles(session)
    assert {role.name for role in listed.items} == set(EXPECTED_BUILTINS)
    assert listed.total == len(EXPECTED_BUILTINS)


def test_builtin_roles_are_fixed(database: Database) -> None:
    with pytest.raises(Conflict), database.session() as session:
        roles.update_role(session, "operator", capabilities=["administer"])
    with pytest.raises(Conflict), database.session() as session:
        roles.delete_role(session, "admin")
    with database.session() as session:
        updated = roles.update_role(session, "operator", description="Keeps the lights on.")
    assert updated.description == "Keeps the lights on."
    assert set(updated.capabilities) == {C.OPERATE}


def test_custom_role(database: Database) -> None:
    with database.session() as session:
        created = roles.create_role(
            session, "reporter", ["run_programs", "run_jobs", "run_programs"], description="r"
        )
    assert created.builtin is False
    assert created.capabilities == (C.RUN_JOBS, C.RUN_PROGRAMS)
    with database.session() as session:
        updated = roles.update_role(session, "reporter", capabilities=["operate"])
    assert updated.capabilities == (C.OPERATE,)
    with database.session() as session:
        assert roles.get_role(session, "reporter").capabilities == (C.OPERATE,)
        roles.delete_role(session, "reporter")
    with pytest.raises(NotFound), database.session() as session:
        roles.get_role(session, "reporter")


def test_role_refusals(database: Database) -> None:
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        roles.create_role(session, "wizard", ["run_programs", "fly"])
    assert caught.value.field == "capabilities"
    assert "fly" in str(caught.value)
    with pytest.raises(AlreadyExists), database.session() as session:
        roles.create_role(session, "admin", [])
    with pytest.raises(InvalidInput) as bad_name, database.session() as session:
        roles.create_role(session, "9lives", [])
    assert bad_name.value.field == "name"
    with database.session() as session:
        roles.create_role(session, "reporter", ["run_jobs"])
    with pytest.raises(InvalidInput), database.session() as session:
        roles.update_role(session, "reporter", capabilities=["teleport"])
    with database.session() as session:
        assert roles.get_role(session, "reporter").capabilities == (C.RUN_JOBS,)


def test_assign_and_unassign(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
        groups.create_group(session, "ops")
    with database.session() as session:
        roles.assign(session, "operator", PrincipalKind.USER, "alice")
        record = roles.assign(session, "operator", PrincipalKind.GROUP, "ops")
    assert (record.users, record.groups) == (("alice",), ("ops",))
    with database.session() as session:
        record = roles.unassign(session, "operator", PrincipalKind.USER, "alice")
    assert (record.users, record.groups) == ((), ("ops",))
    with database.session() as session:
        record = roles.unassign(session, "operator", PrincipalKind.GROUP, "ops")
    assert (record.users, record.groups) == ((), ())


def test_assign_is_idempotent(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
        groups.create_group(session, "ops")
        for _ in range(2):
            roles.assign(session, "analyst", PrincipalKind.USER, "alice")
            roles.assign(session, "analyst", PrincipalKind.GROUP, "ops")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(RoleAssignment)) == 2


def test_assignment_errors(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
    with pytest.raises(NotFound) as caught, database.session() as session:
        roles.unassign(session, "operator", PrincipalKind.USER, "alice")
    assert caught.value.name == "alice"
    with pytest.raises(NotFound) as caught, database.session() as session:
        roles.assign(session, "nosuchrole", PrincipalKind.USER, "alice")
    assert caught.value.kind == "role"
    with pytest.raises(NotFound) as caught, database.session() as session:
        roles.assign(session, "operator", PrincipalKind.USER, "ghost")
    assert caught.value.kind == "user"
    with pytest.raises(NotFound) as caught, database.session() as session:
        roles.assign(session, "operator", PrincipalKind.GROUP, "ghosts")
    assert caught.value.kind == "group"


def test_user_and_group_assignments_are_distinct(database: Database) -> None:
    """A user and a group may share ids; unassigning one must not touch the other."""
    with database.session() as session:
        alice = host_user(session, "alice")
        groups.create_group(session, "ops")
        roles.assign(session, "operator", PrincipalKind.GROUP, "ops")
        ops_id = groups.load(session, "ops").id
    with pytest.raises(NotFound), database.session() as session:
        roles.unassign(session, "operator", PrincipalKind.USER, "alice")
    with database.session() as session:
        assert roles.get_role(session, "operator").groups == ("ops",)
        # Only the user's own assignments count for the user.
        assert roles.capabilities_of(session, alice.id, []) == frozenset()
        assert roles.capabilities_of(session, None, [ops_id]) == {C.OPERATE}


def test_capabilities_through_group_membership(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
        host_user(session, "bob")
        groups.create_group(session, "ops")
        groups.add_member(session, "ops", "alice")
        roles.assign(session, "operator", PrincipalKind.GROUP, "ops")
        roles.assign(session, "analyst", PrincipalKind.USER, "alice")
    with database.session() as session:
        alice = access.principal_for(session, users.load(session, "alice"), method="basic")
        bob = access.principal_for(session, users.load(session, "bob"), method="basic")
        direct = roles.capabilities_of(session, alice.user_id, [])
    assert alice.capabilities == {C.OPERATE, C.RUN_JOBS, C.RUN_PROGRAMS}
    assert direct == {C.RUN_JOBS, C.RUN_PROGRAMS}
    assert bob.capabilities == frozenset()
    assert alice.can(C.OPERATE) and not alice.can(C.ADMINISTER)
    with database.session() as session:
        groups.remove_member(session, "ops", "alice")
    with database.session() as session:
        alice = access.principal_for(session, users.load(session, "alice"), method="basic")
    assert alice.capabilities == {C.RUN_JOBS, C.RUN_PROGRAMS}


def test_delete_role_removes_its_assignments(database: Database) -> None:
    with database.session() as session:
        alice = host_user(session, "alice")
        roles.create_role(session, "temp", ["operate"])
        roles.assign(session, "temp", PrincipalKind.USER, "alice")
    with database.session() as session:
        roles.delete_role(session, "temp")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(RoleAssignment)) == 0
        assert roles.capabilities_of(session, alice.id, []) == frozenset()
