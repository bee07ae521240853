"""Hosts: spawner machines, each with a join token shown once and stored hashed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from baton.registry import audit, definitions, hosts
from baton.registry.database import Database
from baton.registry.enums import ServerKind
from baton.registry.records import IssuedHostToken
from baton.registry.specs import ServerDefinitionSpec
from baton.registry.tokens import hash_token


def create(database: Database, name: str = "node1") -> IssuedHostToken:
    with database.session() as session:
        return hosts.create_host(
            session, name, address="10.0.0.5", port=4242, description="rack 3", actor="admin"
        )


def test_create_host(database: Database) -> None:
    issued = create(database)
    assert issued.token.startswith(hosts.HOST_TOKEN_PREFIX)
    assert len(issued.token) >= 40
    host = issued.host
    assert (host.name, host.address, host.port, host.description) == (
        "node1",
        "10.0.0.5",
        4242,
        "rack 3",
    )
    assert host.enabled and host.has_token and host.last_seen_at is None
    assert "token" not in type(host).model_fields
    with database.session() as session:
        assert hosts.get_host(session, "node1") == host
        (event,) = audit.list_events(session, action="host.create").items
    assert (event.actor, event.resource) == ("admin", "host:node1")


def test_token_is_stored_only_hashed(database: Database) -> None:
    issued = create(database)
    with database.session() as session:
        row = session.execute(text("SELECT * FROM hosts WHERE name = 'node1'")).mappings().one()
    assert row["token_hash"] == hash_token(issued.token)
    assert all(issued.token not in str(value) for value in row.values())


def test_check_host_token(database: Database) -> None:
    issued = create(database)
    other = create(database, "node2")
    with database.session() as session:
        checked = hosts.check_host_token(session, issued.token)
    assert checked is not None and checked.name == "node1"
    assert checked.last_seen_at is not None
    with database.session() as session:
        assert hosts.get_host(session, "node1").last_seen_at == checked.last_seen_at
        assert hosts.get_host(session, "node2").last_seen_at is None
        second = hosts.check_host_token(session, other.token)
        assert second is not None and second.name == "node2"


@pytest.mark.parametrize("garbage", ["", "bh_", "bh_nope", "bt_" + "a" * 43, "x" * 46])
def test_garbage_host_tokens(database: Database, garbage: str) -> None:
    create(database)
    with database.session() as session:
        assert hosts.check_host_token(session, garbage) is None


def test_disabled_host_is_refused(database: Database) -> None:
    issued = create(database)
    with database.session() as session:
        assert not hosts.update_host(session, "node1", enabled=False).enabled
    with database.session() as session:
        assert hosts.check_host_token(session, issued.token) is None
        hosts.update_host(session, "node1", enabled=True)
    with database.session() as session:
        assert hosts.check_host_token(session, issued.token) is not None


def test_new_token_invalidates_the_old_one(database: Database) -> None:
    old = create(database)
    with database.session() as session:
        new = hosts.new_token(session, "node1", actor="admin")
    assert new.token != old.token
    assert new.host.has_token
    with database.session() as session:
        assert hosts.check_host_token(session, old.token) is None
        checked = hosts.check_host_token(session, new.token)
        assert checked is not None and checked.name == "node1"
        assert audit.list_events(session, action="host.token").total == 1
    with pytest.raises(NotFound), database.session() as session:
        hosts.new_token(session, "ghost")


def test_create_refusals(database: Database) -> None:
    create(database)
    with pytest.raises(AlreadyExists), database.session() as session:
        hosts.create_host(session, "node1")
    with pytest.raises(InvalidInput) as caught, database.session() as session:
        hosts.create_host(session, "node 2")
    assert caught.value.field == "name"
    for port in (0, -1, 65536):
        with pytest.raises(InvalidInput) as caught, database.session() as session:
            hosts.create_host(session, "node2", port=port)
        assert caught.value.field == "port"
    with database.session() as session:
        assert [h.name for h in hosts.list_hosts(session).items] == ["node1"]


def test_update(database: Database) -> None:
    create(database)
    with database.session() as session:
        updated = hosts.update_host(session, "node1", address="node1.example", port=5000)
    assert (updated.address, updated.port, updated.description) == ("node1.example", 5000, "rack 3")
    with pytest.raises(InvalidInput), database.session() as session:
        hosts.update_host(session, "node1", port=70000)
    with database.session() as session:
        assert hosts.get_host(session, "node1").port == 5000


def test_list_and_delete(database: Database) -> None:
    for name in ("node3", "node1", "node2"):
        create(database, name)
    with database.session() as session:
        page = hosts.list_hosts(session, limit=2, offset=1)
    assert page.total == 3 and [h.name for h in page.items] == ["node2", "node3"]
    with database.session() as session:
        hosts.delete_host(session, "node2", actor="admin")
    with database.session() as session:
        assert [h.name for h in hosts.list_hosts(session).items] == ["node1", "node3"]
        assert audit.list_events(session, action="host.delete").total == 1
    with pytest.raises(NotFound), database.session() as session:
        hosts.delete_host(session, "node2")


def test_host_used_by_a_definition_cannot_be_deleted(database: Database) -> None:
    create(database)
    create(database, "node2")
    with database.session() as session:
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name="apps", kind=ServerKind.APPLICATION, command=["serve"], host="node1"
            ),
        )
        # node1 listed second: still in use.
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name="batch",
                kind=ServerKind.RUNNER,
                command=["run"],
                hosts=["node2", "node1"],
            ),
        )
    listed = "host 'node1' runs server definitions apps, batch"
    with pytest.raises(Conflict, match=listed), database.session() as session:
        hosts.delete_host(session, "node1")
    with database.session() as session:
        assert hosts.get_host(session, "node1").name == "node1"
        assert definitions.get_definition(session, "apps").host == "node1"
        assert definitions.get_definition(session, "batch").hosts == ("node2", "node1")
        definitions.delete_definition(session, "apps")
    with pytest.raises(Conflict, match="definitions batch$"), database.session() as session:
        hosts.delete_host(session, "node1")
    with database.session() as session:
        definitions.replace_definition(
            session,
            "batch",
            ServerDefinitionSpec(
                name="batch", kind=ServerKind.RUNNER, command=["run"], host="node2"
            ),
        )
    with database.session() as session:
        hosts.delete_host(session, "node1")
    with pytest.raises(Conflict, match="batch"), database.session() as session:
        hosts.delete_host(session, "node2")
    with database.session() as session:
        assert [h.name for h in hosts.list_hosts(session).items] == ["node2"]
        assert definitions.names_on_host(session, "node2") == ["batch"]
