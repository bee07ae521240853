"""The registry never loses its last enabled administrator."""

from __future__ import annotations

import pytest

from baton.errors import Conflict
from baton.registry import groups, roles, users
from baton.registry.enums import AuthSource, Capability, PrincipalKind
from tests.conftest import Installation


def test_last_administrator_cannot_be_disabled_deleted_or_demoted(
    installation: Installation,
) -> None:
    database = installation.database
    with pytest.raises(Conflict, match="no enabled administrator"), database.session() as s:
        users.update_user(s, "admin", disabled=True)
    with pytest.raises(Conflict), database.session() as s:
        users.delete_user(s, "admin")
    with pytest.raises(Conflict), database.session() as s:
        roles.unassign(s, "admin", PrincipalKind.USER, "admin")
    with database.session() as s:
        assert not users.get_user(s, "admin").disabled
        assert roles.get_role(s, "admin").users == ("admin",)


def test_a_second_administrator_lifts_the_guard(installation: Installation) -> None:
    with installation.database.session() as s:
        users.create_user(s, "ops", password=None, auth_source=AuthSource.HOST)
        roles.assign(s, "admin", PrincipalKind.USER, "ops")
    with installation.database.session() as s:
        users.update_user(s, "admin", disabled=True)
    with pytest.raises(Conflict), installation.database.session() as s:
        users.update_user(s, "ops", disabled=True)


def test_administrators_by_group_count(installation: Installation) -> None:
    with installation.database.session() as s:
        users.create_user(s, "ops", password=None, auth_source=AuthSource.HOST)
        groups.create_group(s, "admins")
        groups.add_member(s, "admins", "ops")
        roles.create_role(s, "root-like", [Capability.ADMINISTER])
        roles.assign(s, "root-like", PrincipalKind.GROUP, "admins")
    with installation.database.session() as s:
        roles.unassign(s, "admin", PrincipalKind.USER, "admin")
    # Now ops is the only administrator, through the group and the custom role.
    with pytest.raises(Conflict), installation.database.session() as s:
        groups.remove_member(s, "admins", "ops")
    with pytest.raises(Conflict), installation.database.session() as s:
        roles.update_role(s, "root-like", capabilities=[Capability.OPERATE])
    with pytest.raises(Conflict), installation.database.session() as s:
        roles.delete_role(s, "root-like")
    with pytest.raises(Conflict), installation.database.session() as s:
        groups.delete_group(s, "admins")
    with installation.database.session() as s:
        assert roles.get_role(s, "root-like").capabilities == (Capability.ADMINISTER,)
