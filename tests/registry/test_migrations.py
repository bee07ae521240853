"""Migrations: the schema check, models and migrations agreeing, downgrade and upgrade again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Boolean, Integer, String, column, inspect, select, table, text

from baton.errors import SchemaOutOfDate
from baton.registry import definitions, groups, services
from baton.registry.bootstrap import ensure_builtins
from baton.registry.database import Database, alembic_config
from baton.registry.enums import ServerKind
from baton.registry.models import Base, UtcDateTime
from baton.registry.specs import ServerDefinitionSpec
from tests.conftest import fresh_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database that has never been migrated, on each backend."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield database
        database.dispose()
        return
    with fresh_postgres_database("baton_empty") as url:
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()


def differences(database: Database) -> list[Any]:
    """What autogenerate would put in a new migration (nothing, when models and schema agree)."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def test_empty_database_needs_an_upgrade(empty_database: Database) -> None:
    with pytest.raises(SchemaOutOfDate) as caught:
        empty_database.check_schema()
    assert caught.value.current is None
    assert caught.value.expected == empty_database.head_revision()
    assert "baton db upgrade" in str(caught.value)


def test_upgrade(empty_database: Database) -> None:
    head = empty_database.head_revision()
    assert empty_database.upgrade() == (None, head)
    empty_database.check_schema()
    assert empty_database.current_revision() == head
    assert tables(empty_database) >= {table.name for table in Base.metadata.sorted_tables}
    # Upgrading again changes nothing.
    assert empty_database.upgrade() == (head, head)
    empty_database.check_schema()


def test_models_and_migrations_agree(empty_database: Database) -> None:
    empty_database.upgrade()
    assert differences(empty_database) == []


def test_fixture_database_is_current(database: Database) -> None:
    database.check_schema()
    assert differences(database) == []


def test_unknown_revision_is_out_of_date(empty_database: Database) -> None:
    empty_database.upgrade()
    with empty_database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fromthefuture'"))
    with pytest.raises(SchemaOutOfDate) as caught:
        empty_database.check_schema()
    assert caught.value.current == "fromthefuture"


def test_downgrade_to_base_and_upgrade_again(empty_database: Database) -> None:
    empty_database.upgrade()
    with empty_database.session() as session:
        ensure_builtins(session)
    command.downgrade(alembic_config(empty_database.engine), "base")
    assert tables(empty_database) <= {"alembic_version"}
    assert empty_database.current_revision() is None
    with pytest.raises(SchemaOutOfDate):
        empty_database.check_schema()

    empty_database.upgrade()
    empty_database.check_schema()
    assert differences(empty_database) == []
    with empty_database.session() as session:
        ensure_builtins(session)
        groups.create_group(session, "team")
    with empty_database.session() as session:
        assert [g.name for g in groups.list_groups(session).items] == [
            "AUTHENTICATED",
            "PUBLIC",
            "team",
        ]


# --- 0004: a definition's host becomes its list of hosts --------------------------------------

#: The tables as revision 0003 left them (only the columns these tests write or read).
HOSTS_0003 = table(
    "hosts",
    column("id", Integer),
    column("name", String),
    column("address", String),
    column("description", String),
    column("enabled", Boolean),
    column("created_at", UtcDateTime),
)
DEFINITIONS_0003 = table(
    "server_definitions",
    column("id", Integer),
    column("name", String),
    column("kind", String),
    column("description", String),
    column("command", JSON),
    column("working_dir", String),
    column("environment", JSON),
    column("run_as_client", Boolean),
    column("host_id", Integer),
    column("pool", JSON),
    column("balancing", String),
    column("enabled", Boolean),
    column("updated_at", UtcDateTime),
    column("created_at", UtcDateTime),
)
SERVICES_0003 = table(
    "services",
    column("id", Integer),
    column("name", String),
    column("kind", String),
    column("description", String),
    column("server_definition_id", Integer),
    column("addresses", JSON),
    column("settings", JSON),
    column("debug_mask", Integer),
    column("auth_required", Boolean),
    column("enabled", Boolean),
    column("updated_at", UtcDateTime),
    column("created_at", UtcDateTime),
)


def _definition_0003(name: str, host_id: int | None) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "name": name,
        "kind": "application",
        "description": "",
        "command": ["serve"],
        "working_dir": "",
        "environment": {},
        "run_as_client": False,
        "host_id": host_id,
        "pool": {},
        "balancing": "least_busy",
        "enabled": True,
        "updated_at": now,
        "created_at": now,
    }


def _hosts_0003(database: Database) -> dict[str, int | None]:
    """Each definition's ``host_id`` column, by definition name."""
    with database.engine.connect() as connection:
        rows = connection.execute(select(DEFINITIONS_0003.c.name, DEFINITIONS_0003.c.host_id))
        return {name: host_id for name, host_id in rows}


def _check_foreign_keys(database: Database) -> None:
    if database.engine.dialect.name == "sqlite":
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []


def test_0004_moves_each_definitions_host_into_its_hosts(empty_database: Database) -> None:
    config = alembic_config(empty_database.engine)
    command.upgrade(config, "0003")
    now = datetime.now(UTC)
    with empty_database.engine.begin() as connection:
        for name in ("node1", "node2"):
            row = {"name": name, "address": "", "description": "", "enabled": True}
            connection.execute(HOSTS_0003.insert().values(**row, created_at=now))
        ids = dict(connection.execute(select(HOSTS_0003.c.name, HOSTS_0003.c.id)).all())
        connection.execute(
            DEFINITIONS_0003.insert().values(**_definition_0003("apps", ids["node1"]))
        )
        connection.execute(DEFINITIONS_0003.insert().values(**_definition_0003("local", None)))
        apps_id = connection.scalar(
            select(DEFINITIONS_0003.c.id).where(DEFINITIONS_0003.c.name == "apps")
        )
        # A service using the definition: SQLite's batch mode copies server_definitions and
        # drops the old table, which must not trip over (or cascade from) what points at it.
        connection.execute(
            SERVICES_0003.insert().values(
                name="pooled",
                kind="pool",
                description="",
                server_definition_id=apps_id,
                addresses=[],
                settings={},
                debug_mask=2,
                auth_required=True,
                enabled=True,
                updated_at=now,
                created_at=now,
            )
        )

    command.upgrade(config, "head")
    empty_database.check_schema()
    _check_foreign_keys(empty_database)
    with empty_database.session() as session:
        apps = definitions.get_definition(session, "apps")
        assert (apps.host, apps.hosts) == ("node1", ("node1",))
        local = definitions.get_definition(session, "local")
        assert (local.host, local.hosts) == (None, ())
        assert services.get_service(session, "pooled").server_definition == "apps"
        assert definitions.names_on_host(session, "node1") == ["apps"]
        assert definitions.names_on_host(session, None) == ["local"]
        definitions.replace_definition(
            session,
            "apps",
            ServerDefinitionSpec(
                name="apps",
                kind=ServerKind.APPLICATION,
                command=["serve"],
                hosts=["node2", "node1"],
            ),
        )

    # Down again: the first host is kept, the others are lost.
    command.downgrade(config, "0003")
    assert empty_database.current_revision() == "0003"
    assert "server_definition_hosts" not in tables(empty_database)
    assert _hosts_0003(empty_database) == {"apps": ids["node2"], "local": None}
    _check_foreign_keys(empty_database)
    with empty_database.engine.connect() as connection:
        uses = connection.execute(select(SERVICES_0003.c.server_definition_id)).scalars().all()
    assert uses == [apps_id]

    command.upgrade(config, "head")
    with empty_database.session() as session:
        assert definitions.get_definition(session, "apps").hosts == ("node2",)
        assert services.get_service(session, "pooled").server_definition == "apps"
    assert differences(empty_database) == []
