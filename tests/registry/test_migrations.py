"""Migrations: the schema check, models and migrations agreeing, downgrade and upgrade again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from baton.errors import SchemaOutOfDate
from baton.registry import groups
from baton.registry.bootstrap import ensure_builtins
from baton.registry.database import Database, alembic_config
from baton.registry.models import Base
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
