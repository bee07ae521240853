"""Access: principals, grants, and the one check (``is_allowed``) every action goes through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.errors import InvalidInput, NotFound, PermissionDenied
from baton.registry import access, audit, groups, roles, users
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import (
    AUTHENTICATED_GROUP,
    PUBLIC_GROUP,
    Action,
    Capability,
    PrincipalKind,
    ResourceKind,
)
from baton.registry.models import Group, Permission
from tests.registry.conftest import host_user

USER, GROUP = PrincipalKind.USER, PrincipalKind.GROUP
LIBRARY, PROGRAM, SERVICE = ResourceKind.LIBRARY, ResourceKind.PROGRAM, ResourceKind.SERVICE
READ, WRITE, RUN, ADMINISTER = Action.READ, Action.WRITE, Action.RUN, Action.ADMINISTER


@pytest.fixture
def people(database: Database) -> Database:
    """ana (no groups), bob (in team), and the team group."""
    with database.session() as session:
        host_user(session, "ana")
        host_user(session, "bob")
        groups.create_group(session, "team")
        groups.add_member(session, "team", "bob")
    return database


@pytest.fixture
def session(people: Database) -> Iterator[Session]:
    with people.session() as session:
        yield session


def grant(
    session: Session,
    kind: PrincipalKind,
    principal: str,
    resource_kind: ResourceKind,
    resource_name: str,
    action: Action,
) -> None:
    access.grant(session, kind, principal, resource_kind, resource_name, action, granted_by="admin")


def principal(session: Session, name: str) -> Principal:
    return access.principal_for(session, users.load(session, name), method="basic")


def allowed(
    session: Session, who: str | Principal, kind: ResourceKind, name: str, action: Action
) -> bool:
    subject = principal(session, who) if isinstance(who, str) else who
    return access.is_allowed(session, subject, kind, name, action)


def test_principal_for_includes_builtin_groups(session: Session) -> None:
    bob = access.principal_for(session, users.load(session, "bob"), method="bearer", token_id=7)
    ids = {name: id_ for name, id_ in session.execute(select(Group.name, Group.id))}
    assert bob.name == "bob"
    assert bob.user_id == users.load(session, "bob").id
    assert bob.groups == {PUBLIC_GROUP, AUTHENTICATED_GROUP, "team"}
    assert bob.group_ids == {ids[PUBLIC_GROUP], ids[AUTHENTICATED_GROUP], ids["team"]}
    assert bob.capabilities == frozenset()
    assert (bob.method, bob.token_id, bob.is_anonymous) == ("bearer", 7, False)


def test_anonymous_principal(session: Session) -> None:
    nobody = access.anonymous(session)
    public_id = session.scalar(select(Group.id).where(Group.name == PUBLIC_GROUP))
    assert nobody.is_anonymous
    assert nobody.user_id is None
    assert nobody.groups == {PUBLIC_GROUP}
    assert nobody.group_ids == {public_id}
    assert nobody.method == "anonymous"


def test_nothing_is_allowed_without_grants(session: Session) -> None:
    for action in Action:
        assert not allowed(session, "ana", PROGRAM, "sample.hello", action)
        assert not allowed(session, access.anonymous(session), SERVICE, "default", action)


def test_direct_user_grant(session: Session) -> None:
    grant(session, USER, "ana", PROGRAM, "sample.hello", RUN)
    assert allowed(session, "ana", PROGRAM, "sample.hello", RUN)
    assert not allowed(session, "ana", PROGRAM, "sample.hello", WRITE)
    assert not allowed(session, "ana", PROGRAM, "sample.other", RUN)
    assert not allowed(session, "ana", LIBRARY, "sample", RUN)
    assert not allowed(session, "bob", PROGRAM, "sample.hello", RUN)


def test_group_grant(session: Session) -> None:
    grant(session, GROUP, "team", SERVICE, "default", READ)
    assert allowed(session, "bob", SERVICE, "default", READ)
    assert not allowed(session, "ana", SERVICE, "default", READ)
    assert not allowed(session, "bob", SERVICE, "other", READ)


def test_grants_follow_membership(session: Session) -> None:
    grant(session, GROUP, "team", SERVICE, "default", RUN)
    groups.add_member(session, "team", "ana")
    assert allowed(session, "ana", SERVICE, "default", RUN)
    groups.remove_member(session, "team", "ana")
    assert not allowed(session, "ana", SERVICE, "default", RUN)


def test_star_covers_every_resource_of_its_kind(session: Session) -> None:
    grant(session, USER, "ana", SERVICE, "*", RUN)
    assert allowed(session, "ana", SERVICE, "default", RUN)
    assert allowed(session, "ana", SERVICE, "anything-else", RUN)
    assert not allowed(session, "ana", ResourceKind.JOB, "nightly", RUN)
    assert not allowed(session, "ana", PROGRAM, "sample.hello", RUN)


def test_library_star_covers_its_programs(session: Session) -> None:
    grant(session, USER, "ana", PROGRAM, "sample.*", RUN)
    assert allowed(session, "ana", PROGRAM, "sample.hello", RUN)
    assert allowed(session, "ana", PROGRAM, "sample.regions", RUN)
    assert not allowed(session, "ana", PROGRAM, "other.hello", RUN)
    assert not allowed(session, "ana", PROGRAM, "samplex.hello", RUN)
    assert not allowed(session, "ana", LIBRARY, "sample", RUN)


def test_library_grant_covers_its_programs(session: Session) -> None:
    grant(session, USER, "ana", LIBRARY, "sample", RUN)
    assert allowed(session, "ana", LIBRARY, "sample", RUN)
    assert allowed(session, "ana", PROGRAM, "sample.hello", RUN)
    assert not allowed(session, "ana", PROGRAM, "other.hello", RUN)
    assert not allowed(session, "ana", PROGRAM, "sample.hello", WRITE)


def test_every_library_grant_covers_every_program(session: Session) -> None:
    grant(session, GROUP, "team", LIBRARY, "*", READ)
    assert allowed(session, "bob", PROGRAM, "anylib.anyprog", READ)
    assert not allowed(session, "bob", PROGRAM, "anylib.anyprog", RUN)


def test_program_grant_does_not_leak_to_a_service_of_that_name(session: Session) -> None:
    grant(session, USER, "ana", PROGRAM, "sample", RUN)
    assert not allowed(session, "ana", SERVICE, "sample", RUN)
    assert not allowed(session, "ana", LIBRARY, "sample", RUN)


def test_administer_action_implies_the_others(session: Session) -> None:
    grant(session, USER, "ana", SERVICE, "default", ADMINISTER)
    grant(session, USER, "bob", SERVICE, "default", WRITE)
    for action in Action:
        assert allowed(session, "ana", SERVICE, "default", action)
    assert not allowed(session, "ana", SERVICE, "other", READ)
    assert allowed(session, "bob", SERVICE, "default", WRITE)
    assert not allowed(session, "bob", SERVICE, "default", READ)
    assert not allowed(session, "bob", SERVICE, "default", ADMINISTER)


def test_admin_capability_allows_everything(session: Session) -> None:
    roles.assign(session, "admin", USER, "ana")
    ana = principal(session, "ana")
    assert ana.can(Capability.OPERATE)
    for kind in ResourceKind:
        for action in Action:
            assert allowed(session, ana, kind, "anything", action)
    assert not allowed(session, "bob", SERVICE, "anything", READ)


def test_admin_capability_through_a_group(session: Session) -> None:
    roles.assign(session, "admin", GROUP, "team")
    assert allowed(session, "bob", ResourceKind.JOB, "nightly", ADMINISTER)
    assert not allowed(session, "ana", ResourceKind.JOB, "nightly", ADMINISTER)


def test_other_capabilities_do_not_grant_resources(session: Session) -> None:
    roles.assign(session, "designer", USER, "ana")
    assert not allowed(session, "ana", ResourceKind.JOB, "nightly", READ)


def test_anonymous_gets_only_public_grants(session: Session) -> None:
    grant(session, GROUP, PUBLIC_GROUP, PROGRAM, "sample.hello", RUN)
    grant(session, GROUP, AUTHENTICATED_GROUP, PROGRAM, "sample.secret", RUN)
    grant(session, USER, "ana", PROGRAM, "sample.mine", RUN)
    nobody = access.anonymous(session)
    assert allowed(session, nobody, PROGRAM, "sample.hello", RUN)
    assert not allowed(session, nobody, PROGRAM, "sample.secret", RUN)
    assert not allowed(session, nobody, PROGRAM, "sample.mine", RUN)
    # Every signed-in user is in PUBLIC and AUTHENTICATED without being a listed member.
    for name in ("ana", "bob"):
        assert allowed(session, name, PROGRAM, "sample.hello", RUN)
        assert allowed(session, name, PROGRAM, "sample.secret", RUN)
    assert not allowed(session, "bob", PROGRAM, "sample.mine", RUN)


def test_anonymous_gets_public_roles_only(session: Session) -> None:
    roles.assign(session, "webuser", GROUP, PUBLIC_GROUP)
    roles.assign(session, "operator", GROUP, AUTHENTICATED_GROUP)
    assert access.anonymous(session).capabilities == {Capability.RUN_PROGRAMS}
    assert principal(session, "ana").capabilities == {Capability.RUN_PROGRAMS, Capability.OPERATE}


def test_require(session: Session) -> None:
    grant(session, USER, "ana", SERVICE, "default", RUN)
    ana = principal(session, "ana")
    access.require(session, ana, SERVICE, "default", RUN)
    with pytest.raises(PermissionDenied) as caught:
        access.require(session, ana, SERVICE, "default", WRITE)
    assert caught.value.action == "write"
    assert "default" in caught.value.resource
    with pytest.raises(PermissionDenied) as missing:
        access.require_capability(ana, Capability.OPERATE)
    assert missing.value.action == "operate"


def test_grant_is_idempotent_and_recorded(session: Session) -> None:
    access.grant(session, USER, "ana", PROGRAM, "sample.hello", RUN, granted_by="root")
    again = access.grant(session, USER, "ana", PROGRAM, "sample.hello", RUN, granted_by="other")
    assert session.scalar(select(func.count()).select_from(Permission)) == 1
    assert (again.principal_kind, again.principal) == (USER, "ana")
    assert (again.resource_kind, again.resource_name, again.action) == (
        PROGRAM,
        "sample.hello",
        RUN,
    )
    assert again.granted_by == "root"
    events = audit.list_events(session, action="grant").items
    assert len(events) == 2
    assert events[-1].actor == "root"
    assert events[-1].resource == "program:sample.hello"
    assert events[-1].detail == {"principal": "user:ana", "permission": "run"}


def test_revoke(people: Database) -> None:
    with people.session() as session:
        grant(session, GROUP, "team", SERVICE, "default", RUN)
    with people.session() as session:
        access.revoke(
            session, GROUP, "team", SERVICE, "default", RUN, revoked_by="root", remote_addr="::1"
        )
    with people.session() as session:
        assert not allowed(session, "bob", SERVICE, "default", RUN)
        assert session.scalar(select(func.count()).select_from(Permission)) == 0
        (event,) = audit.list_events(session, action="revoke").items
    assert (event.actor, event.resource, event.remote_addr) == ("root", "service:default", "::1")
    assert event.detail == {"principal": "group:team", "permission": "run"}


def test_revoke_missing_grant(session: Session) -> None:
    grant(session, USER, "ana", SERVICE, "default", RUN)
    for kind, who, action in ((USER, "ana", READ), (USER, "bob", RUN), (GROUP, "team", RUN)):
        with pytest.raises(NotFound):
            access.revoke(session, kind, who, SERVICE, "default", action, revoked_by="root")
    assert audit.list_events(session, action="revoke").total == 0
    assert allowed(session, "ana", SERVICE, "default", RUN)


@pytest.mark.parametrize(
    "name",
    ["", " ", "a b", "sample.", ".hello", "sample..hello", "sample.*.*", "*x", "**", "sam*", "1lib",
     "lib/../etc", "a" * 201],
)  # fmt: skip
def test_invalid_resource_names(session: Session, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        grant(session, USER, "ana", PROGRAM, name, RUN)
    assert caught.value.field == "resource_name"
    assert session.scalar(select(func.count()).select_from(Permission)) == 0


@pytest.mark.parametrize("name", ["*", "sample", "sample.*", "sample.hello", "a.b.c"])
def test_valid_resource_names(session: Session, name: str) -> None:
    assert access.grant(session, USER, "ana", PROGRAM, name, RUN, granted_by="x").resource_name
    assert session.scalar(select(func.count()).select_from(Permission)) == 1


def test_grant_to_unknown_principal(session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        grant(session, USER, "ghost", SERVICE, "default", RUN)
    assert caught.value.kind == "user"
    with pytest.raises(NotFound) as caught:
        grant(session, GROUP, "ghosts", SERVICE, "default", RUN)
    assert caught.value.kind == "group"


def test_list_permissions(session: Session) -> None:
    grant(session, USER, "ana", SERVICE, "default", RUN)
    grant(session, USER, "ana", PROGRAM, "sample.hello", RUN)
    grant(session, GROUP, "team", SERVICE, "default", READ)
    everything = access.list_permissions(session)
    assert everything.total == 3
    assert [(p.resource_kind, p.principal) for p in everything.items] == [
        (PROGRAM, "ana"),
        (SERVICE, "ana"),
        (SERVICE, "team"),
    ]
    services = access.list_permissions(session, resource_kind=SERVICE)
    assert {(p.principal_kind, p.principal) for p in services.items} == {
        (USER, "ana"),
        (GROUP, "team"),
    }
    anas = access.list_permissions(session, principal_kind=USER, principal="ana", limit=1)
    assert anas.total == 2 and len(anas.items) == 1
    team = access.list_permissions(session, principal_kind=GROUP, principal="team")
    assert [(p.action, p.granted_by) for p in team.items] == [(READ, "admin")]
