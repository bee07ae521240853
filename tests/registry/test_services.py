"""Dispatcher services: what a client may send (the spec) and how the registry stores it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from baton.errors import AlreadyExists, NotFound
from baton.registry import access, definitions, libraries, services, users
from baton.registry.database import Database
from baton.registry.enums import Action, AuthSource, PrincipalKind, ResourceKind, ServiceKind
from baton.registry.specs import ServerDefinitionSpec, ServiceSettings, ServiceSpec

SOCKET: dict[str, Any] = {"name": "legacy", "kind": "socket", "addresses": ["apps.local:5001"]}
POOL: dict[str, Any] = {"name": "default", "kind": "pool", "server_definition": "apps"}


def spec(base: dict[str, Any], **changes: Any) -> ServiceSpec:
    return ServiceSpec.model_validate(base | changes)


# --- the spec -------------------------------------------------------------------------------


def test_valid_specs() -> None:
    socket = spec(SOCKET, addresses=["apps.local:5001", "10.0.0.7:1", "[::1]:65535"])
    assert socket.kind is ServiceKind.SOCKET and socket.server_definition is None
    assert spec(SOCKET, addresses=[], server_definition="apps").server_definition == "apps"
    pool = spec(POOL)
    assert pool.settings == ServiceSettings()
    assert (pool.debug_mask, pool.auth_required, pool.enabled) == (2, True, True)
    assert spec(POOL, kind="launch").kind is ServiceKind.LAUNCH


@pytest.mark.parametrize(
    ("base", "changes", "fragment"),
    [
        (SOCKET, {"addresses": []}, "needs addresses or a server_definition"),
        (POOL, {"server_definition": None}, "needs a server_definition"),
        (POOL, {"kind": "launch", "server_definition": None}, "needs a server_definition"),
        (SOCKET, {"addresses": ["nohost"]}, "not host:port"),
        (SOCKET, {"addresses": ["host:0"]}, "not host:port"),
        (SOCKET, {"addresses": ["host:65536"]}, "not host:port"),
        (SOCKET, {"addresses": ["host:http"]}, "not host:port"),
        (SOCKET, {"addresses": ["ho st:80"]}, "not host:port"),
        (SOCKET, {"addresses": ["a:1"] * 257}, "addresses"),
        (POOL, {"settings": {"min_servers": 5, "max_servers": 2}}, "must not exceed"),
        (POOL, {"settings": {"max_servers": 0}}, "max_servers"),
        (POOL, {"settings": {"request_timeout": 0}}, "request_timeout"),
        (POOL, {"settings": {"nope": 1}}, "nope"),
        (POOL, {"debug_mask": -1}, "debug_mask"),
        (POOL, {"debug_mask": 0x10000}, "debug_mask"),
        (POOL, {"name": "my service"}, "name"),
        (POOL, {"kind": "cgi"}, "kind"),
        (POOL, {"program": "x"}, "program"),
    ],
)
def test_invalid_specs(base: dict[str, Any], changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(base, **changes)
    assert fragment in str(caught.value)


# --- the registry ---------------------------------------------------------------------------


@pytest.fixture
def setup(database: Database, program_dir: Path) -> Database:
    """A definition ``apps`` and libraries ``sales`` and ``hr``."""
    with database.session() as session:
        definitions.create_definition(
            session, ServerDefinitionSpec(name="apps", kind="application", command=["serve"])
        )
        libraries.create_library(session, "sales", str(program_dir))
        libraries.create_library(session, "hr", str(program_dir))
    return database


def test_create_socket_service(setup: Database) -> None:
    with setup.session() as session:
        created = services.create_service(session, spec(SOCKET, auth_required=False))
    assert (created.name, created.kind, created.server_definition) == (
        "legacy",
        ServiceKind.SOCKET,
        None,
    )
    assert created.addresses == ("apps.local:5001",)
    assert created.auth_required is False
    with setup.session() as session:
        assert services.get_service(session, "legacy") == created


def test_create_pool_service(setup: Database) -> None:
    with setup.session() as session:
        created = services.create_service(
            session,
            spec(
                POOL,
                libraries=["sales", "hr", "sales"],
                settings={"min_servers": 1, "max_servers": 6},
                debug_mask=0x83,
            ),
        )
    assert created.server_definition == "apps"
    assert created.libraries == ("hr", "sales")
    assert created.settings == ServiceSettings(min_servers=1, max_servers=6).model_dump()
    assert created.debug_mask == 0x83
    with setup.session() as session:
        assert services.get_service(session, "default") == created


@pytest.mark.parametrize(
    ("changes", "kind"),
    [({"server_definition": "ghost"}, "server definition"), ({"libraries": ["ghost"]}, "library")],
)
def test_unknown_references(setup: Database, changes: dict[str, Any], kind: str) -> None:
    with pytest.raises(NotFound) as caught, setup.session() as session:
        services.create_service(session, spec(POOL, **changes))
    assert (caught.value.kind, caught.value.name) == (kind, "ghost")
    with setup.session() as session:
        assert services.all_names(session) == []


def test_duplicate_name(setup: Database) -> None:
    with setup.session() as session:
        services.create_service(session, spec(POOL))
    with pytest.raises(AlreadyExists), setup.session() as session:
        services.create_service(session, spec(SOCKET, name="default"))


def test_replace_and_rename(setup: Database) -> None:
    with setup.session() as session:
        original = services.create_service(session, spec(POOL, libraries=["sales"]))
        services.create_service(session, spec(SOCKET))
    with setup.session() as session:
        renamed = services.replace_service(
            session, "default", spec(SOCKET, name="main", libraries=["hr"])
        )
    assert renamed.id == original.id
    assert (renamed.name, renamed.kind, renamed.server_definition) == (
        "main",
        ServiceKind.SOCKET,
        None,
    )
    assert renamed.libraries == ("hr",)
    with setup.session() as session:
        assert services.all_names(session) == ["legacy", "main"]
        # The old definition is free again.
        definitions.delete_definition(session, "apps")
    with pytest.raises(AlreadyExists), setup.session() as session:
        services.replace_service(session, "main", spec(SOCKET, name="legacy"))
    with pytest.raises(NotFound), setup.session() as session:
        services.replace_service(session, "main", spec(SOCKET, name="main", libraries=["ghost"]))
    with setup.session() as session:
        assert services.get_service(session, "main").libraries == ("hr",)
    with pytest.raises(NotFound), setup.session() as session:
        services.replace_service(session, "ghost", spec(SOCKET, name="ghost"))


def test_list_and_delete(setup: Database) -> None:
    with setup.session() as session:
        for name in ("zeta", "alpha", "mid"):
            services.create_service(session, spec(POOL, name=name, libraries=["sales"]))
    with setup.session() as session:
        page = services.list_services(session, limit=2, offset=1)
        chosen = services.list_services(session, names={"zeta", "nope"})
    assert page.total == 3 and [s.name for s in page.items] == ["mid", "zeta"]
    assert page.items[0].libraries == ("sales",)
    assert chosen.total == 1 and chosen.items[0].name == "zeta"
    with setup.session() as session:
        services.delete_service(session, "mid")
    with setup.session() as session:
        assert services.all_names(session) == ["alpha", "zeta"]
        # Deleting a service leaves its libraries registered.
        assert libraries.all_names(session) == ["hr", "sales"]
    with pytest.raises(NotFound), setup.session() as session:
        services.delete_service(session, "mid")


def test_rename_moves_the_grants(setup: Database) -> None:
    with setup.session() as session:
        services.create_service(session, spec(POOL))
        users.create_user(session, "eve", password=None, auth_source=AuthSource.HOST)
        access.grant(
            session,
            PrincipalKind.USER,
            "eve",
            ResourceKind.SERVICE,
            "default",
            Action.READ,
            granted_by="admin",
        )
    with setup.session() as session:
        services.replace_service(session, "default", spec(POOL, name="main"))
        eve = access.principal_for(session, users.load(session, "eve"), method="basic")
        assert access.is_allowed(session, eve, ResourceKind.SERVICE, "main", Action.READ)
        assert not access.is_allowed(session, eve, ResourceKind.SERVICE, "default", Action.READ)
