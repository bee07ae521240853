"""Server definitions: what a client may send (the spec) and how the registry stores it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from baton.errors import AlreadyExists, Conflict, NotFound
from baton.registry import audit, credentials, definitions, hosts, services
from baton.registry.database import Database
from baton.registry.enums import Balancing, ServerKind, ServiceKind
from baton.registry.specs import PoolSettings, ServerDefinitionSpec, ServiceSpec
from baton.registry.vault import Vault

BASE: dict[str, Any] = {"name": "apps", "kind": "application", "command": ["python", "-m", "app"]}


def spec(**changes: Any) -> ServerDefinitionSpec:
    return ServerDefinitionSpec.model_validate(BASE | changes)


# --- the spec -------------------------------------------------------------------------------


def test_minimal_spec_defaults() -> None:
    minimal = spec()
    assert minimal.kind is ServerKind.APPLICATION
    assert (minimal.credential, minimal.host, minimal.port_min, minimal.port_max) == (
        None,
        None,
        None,
        None,
    )
    assert minimal.pool == PoolSettings()
    assert minimal.balancing is Balancing.LEAST_BUSY
    assert minimal.enabled and not minimal.run_as_client


def test_known_placeholders() -> None:
    command = ["serve", "--port={port}", "--host", "{host}", "{definition}", "--token={token}"]
    assert spec(command=command).command == command


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"command": ["serve", "--user={user}"]}, "unknown placeholder {user}"),
        ({"command": ["serve", "{}"]}, "unknown placeholder {}"),
        ({"command": ["serve", "{PORT}"]}, "unknown placeholder {PORT}"),
        ({"command": []}, "command"),
        ({"command": ["serve", ""]}, "1 to 4096 characters"),
        ({"command": ["serve", "a\x00b"]}, "without NUL"),
        ({"command": ["x" * 4097]}, "1 to 4096 characters"),
        ({"port_min": 0, "port_max": 10}, "port_min"),
        ({"port_min": 10, "port_max": 65536}, "port_max"),
        ({"port_min": 9000}, "port_min and port_max go together"),
        ({"port_max": 9000}, "port_min and port_max go together"),
        ({"port_min": 9001, "port_max": 9000}, "must not exceed"),
        ({"environment": {"1BAD": "x"}}, "1BAD"),
        ({"environment": {"A-B": "x"}}, "A-B"),
        ({"environment": {"": "x"}}, "invalid environment variable"),
        ({"environment": {"GOOD": "a\x00b"}}, "GOOD"),
        ({"credential": "runas", "run_as_client": True}, "either under a credential"),
        ({"name": "bad name"}, "name"),
        ({"name": "9apps"}, "name"),
        ({"kind": "mainframe"}, "kind"),
        ({"balancing": "vibes"}, "balancing"),
        ({"shell": "/bin/sh"}, "shell"),
        ({"pool": {"max_servers": 0}}, "max_servers"),
        ({"pool": {"start_timeout": 0}}, "start_timeout"),
        ({"pool": {"bogus": 1}}, "bogus"),
        ({"hosts": ["node1", "node1"]}, "host 'node1' is listed twice"),
        ({"hosts": ["node 1"]}, "hosts.0"),
        ({"host": "node 1"}, "host"),
        ({"hosts": [f"node{n}" for n in range(65)]}, "at most 64 items"),
        ({"hosts": "node1"}, "hosts"),
    ],
)
def test_invalid_specs(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(**changes)
    assert fragment in str(caught.value)


def test_valid_port_range_and_environment() -> None:
    valid = spec(port_min=9000, port_max=9000, environment={"_X": "1", "PATH2": ""})
    assert (valid.port_min, valid.port_max) == (9000, 9000)
    assert spec(port_min=1, port_max=65535).port_max == 65535
    assert valid.environment == {"_X": "1", "PATH2": ""}


def test_hosts_and_the_host_shorthand() -> None:
    assert (spec().host, spec().hosts) == (None, [])
    assert (spec(host="node1").host, spec(host="node1").hosts) == ("node1", ["node1"])
    assert (spec(host=None).host, spec(host=None).hosts) == (None, [])
    several = spec(hosts=["node2", "node1"])
    assert (several.host, several.hosts) == ("node2", ["node2", "node1"])
    both = spec(host="node2", hosts=["node2", "node1"])
    assert (both.host, both.hosts) == ("node2", ["node2", "node1"])
    assert spec(host=None, hosts=[]).hosts == []
    # Keyword arguments take the same path as a client's JSON.
    built = ServerDefinitionSpec(name="apps", kind=ServerKind.RUNNER, command=["x"], host="node1")
    assert built.hosts == ["node1"]


@pytest.mark.parametrize(
    "changes",
    [
        {"host": "node1", "hosts": ["node2", "node1"]},
        {"host": "node1", "hosts": []},
        {"host": None, "hosts": ["node1"]},
    ],
)
def test_host_and_hosts_must_agree(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(**changes)
    message = str(caught.value)
    assert f"host {changes['host']!r} disagrees with hosts {changes['hosts']!r}" in message


def test_spec_is_frozen() -> None:
    with pytest.raises(ValidationError):
        spec().name = "other"  # type: ignore[misc]


# --- the registry ---------------------------------------------------------------------------


@pytest.fixture
def setup(database: Database, vault: Vault) -> Database:
    """A credential ``runas`` and hosts ``node1``, ``node2``, ``node3``."""
    with database.session() as session:
        credentials.create_credential(session, vault, "runas", username="svc", secret="pw")
        for name in ("node1", "node2", "node3"):
            hosts.create_host(session, name)
    return database


def test_create_and_get(setup: Database) -> None:
    full = spec(
        description="Application servers.",
        command=["python", "-m", "baton.appserver", "--port", "{port}"],
        working_dir="/srv/apps",
        environment={"MPLBACKEND": "Agg"},
        credential="runas",
        host="node1",
        port_min=9000,
        port_max=9099,
        pool={"max_servers": 8, "idle_timeout": 60},
        balancing="cost",
        enabled=False,
    )
    with setup.session() as session:
        created = definitions.create_definition(session, full)
    assert created.name == "apps"
    assert created.command == ("python", "-m", "baton.appserver", "--port", "{port}")
    assert (created.credential, created.host) == ("runas", "node1")
    assert (created.port_min, created.port_max) == (9000, 9099)
    assert created.environment == {"MPLBACKEND": "Agg"}
    assert created.pool == PoolSettings(max_servers=8, idle_timeout=60).model_dump()
    assert (created.balancing, created.enabled) == (Balancing.COST, False)
    with setup.session() as session:
        assert definitions.get_definition(session, "apps") == created


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"credential": "ghost"}, "credential"),
        ({"host": "ghost"}, "host"),
        ({"hosts": ["node1", "ghost", "node2"]}, "host"),
    ],
)
def test_unknown_references(setup: Database, changes: dict[str, Any], kind: str) -> None:
    with pytest.raises(NotFound) as caught, setup.session() as session:
        definitions.create_definition(session, spec(**changes))
    assert (caught.value.kind, caught.value.name) == (kind, "ghost")
    with setup.session() as session:
        assert definitions.all_names(session) == []


def test_duplicate_name(setup: Database) -> None:
    with setup.session() as session:
        definitions.create_definition(session, spec())
    with pytest.raises(AlreadyExists), setup.session() as session:
        definitions.create_definition(session, spec(kind="runner"))


def test_replace_and_rename(setup: Database) -> None:
    with setup.session() as session:
        original = definitions.create_definition(session, spec(credential="runas", host="node1"))
        definitions.create_definition(session, spec(name="other"))
    with setup.session() as session:
        renamed = definitions.replace_definition(
            session, "apps", spec(name="apps2", command=["serve"], run_as_client=True)
        )
    assert renamed.id == original.id
    assert (renamed.name, renamed.command) == ("apps2", ("serve",))
    assert (renamed.credential, renamed.host, renamed.run_as_client) == (None, None, True)
    with setup.session() as session:
        assert definitions.all_names(session) == ["apps2", "other"]
        with pytest.raises(NotFound):
            definitions.get_definition(session, "apps")
    with pytest.raises(AlreadyExists), setup.session() as session:
        definitions.replace_definition(session, "apps2", spec(name="other"))
    with pytest.raises(NotFound), setup.session() as session:
        definitions.replace_definition(session, "apps2", spec(name="apps2", host="ghost"))
    with setup.session() as session:
        unchanged = definitions.get_definition(session, "apps2")
    assert unchanged.host is None and unchanged.run_as_client


def test_several_hosts_in_order(setup: Database) -> None:
    with setup.session() as session:
        created = definitions.create_definition(
            session, spec(hosts=["node3", "node1", "node2"]), actor="admin"
        )
    assert (created.host, created.hosts) == ("node3", ("node3", "node1", "node2"))
    with setup.session() as session:
        assert definitions.get_definition(session, "apps") == created
        assert definitions.list_definitions(session).items == [created]
        # Reordered, and again within one transaction: the old links go before the new.
        definitions.replace_definition(session, "apps", spec(hosts=["node1", "node3"]))
        replaced = definitions.replace_definition(session, "apps", spec(hosts=["node3", "node1"]))
    assert (replaced.host, replaced.hosts) == ("node3", ("node3", "node1"))
    with setup.session() as session:
        assert definitions.get_definition(session, "apps").hosts == ("node3", "node1")
        shorthand = definitions.replace_definition(session, "apps", spec(host="node2"))
    assert (shorthand.host, shorthand.hosts) == ("node2", ("node2",))
    with pytest.raises(NotFound) as caught, setup.session() as session:
        definitions.replace_definition(session, "apps", spec(hosts=["node1", "ghost"]))
    assert (caught.value.kind, caught.value.name) == ("host", "ghost")
    with setup.session() as session:
        assert definitions.get_definition(session, "apps").hosts == ("node2",)
        local = definitions.replace_definition(session, "apps", spec())
    assert (local.host, local.hosts) == (None, ())


def test_audit_shows_the_hosts(setup: Database) -> None:
    with setup.session() as session:
        definitions.create_definition(session, spec(hosts=["node2", "node1"]), actor="admin")
        definitions.replace_definition(session, "apps", spec(), actor="admin")
    with setup.session() as session:
        (made,) = audit.list_events(session, action="definition.create").items
        (changed,) = audit.list_events(session, action="definition.update").items
    assert made.detail == {"hosts": ["node2", "node1"]}
    assert changed.detail == {"hosts": []}


def test_names_on_host(setup: Database) -> None:
    with setup.session() as session:
        definitions.create_definition(session, spec(name="both", hosts=["node2", "node1"]))
        definitions.create_definition(session, spec(name="second", host="node2"))
        definitions.create_definition(session, spec(name="local"))
        definitions.create_definition(session, spec(name="off", host="node1", enabled=False))
        definitions.create_definition(session, spec(name="offlocal", enabled=False))
    with setup.session() as session:
        assert definitions.names_on_host(session, "node1") == ["both"]
        assert definitions.names_on_host(session, "node2") == ["both", "second"]
        assert definitions.names_on_host(session, "node3") == []
        assert definitions.names_on_host(session, "ghost") == []
        assert definitions.names_on_host(session, None) == ["local"]


def test_deleting_a_definition_drops_its_hosts(setup: Database) -> None:
    with setup.session() as session:
        definitions.create_definition(session, spec(hosts=["node1", "node2"]))
    with setup.session() as session:
        definitions.delete_definition(session, "apps")
    with setup.session() as session:
        hosts.delete_host(session, "node1")
        assert definitions.names_on_host(session, "node2") == []


def test_list_by_kind_and_name(setup: Database) -> None:
    with setup.session() as session:
        definitions.create_definition(session, spec(name="apps"))
        definitions.create_definition(session, spec(name="kernels", kind="workspace"))
        definitions.create_definition(session, spec(name="runners", kind="runner"))
    with setup.session() as session:
        every = definitions.list_definitions(session)
        workspaces = definitions.list_definitions(session, kind=ServerKind.WORKSPACE)
        chosen = definitions.list_definitions(session, names={"apps", "runners"}, limit=1)
    assert [d.name for d in every.items] == ["apps", "kernels", "runners"]
    assert [d.name for d in workspaces.items] == ["kernels"]
    assert chosen.total == 2 and [d.name for d in chosen.items] == ["apps"]


def test_definition_used_by_a_service_cannot_be_deleted(setup: Database) -> None:
    with setup.session() as session:
        definitions.create_definition(session, spec())
        services.create_service(
            session, ServiceSpec(name="default", kind=ServiceKind.POOL, server_definition="apps")
        )
    with pytest.raises(Conflict, match="default"), setup.session() as session:
        definitions.delete_definition(session, "apps")
    with setup.session() as session:
        assert definitions.all_names(session) == ["apps"]
        services.delete_service(session, "default")
    with setup.session() as session:
        definitions.delete_definition(session, "apps")
    with setup.session() as session:
        assert definitions.all_names(session) == []
    with pytest.raises(NotFound), setup.session() as session:
        definitions.delete_definition(session, "apps")
