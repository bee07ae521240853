"""Shared fixtures: a real registry on SQLite (always) and PostgreSQL (when configured).

Tests that take ``database_url`` (directly or through ``database``/``installation``) run once per
backend. PostgreSQL runs when ``BATON_TEST_DATABASE_URL`` points at a server where the test user
may create databases; each test session creates its own database and drops it at the end. Under
CI (``CI`` set) a missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from baton.registry.bootstrap import ensure_builtins, initialise
from baton.registry.database import Database, normalise_url
from baton.registry.models import Base
from baton.settings import Settings, load_settings

ADMIN_PASSWORD = "correct-horse-battery"
PG_ENV = "BATON_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite registry, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "registry.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards; skips (or fails under
    CI) when ``BATON_TEST_DATABASE_URL`` is not set."""
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set under CI: the PostgreSQL tests must run")
        pytest.skip(f"{PG_ENV} is not set; PostgreSQL tests skipped")
    admin_url = make_url(normalise_url(base))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session (dropped afterwards)."""
    with fresh_postgres_database("baton_test") as url:
        database = Database(url)
        database.upgrade()
        database.dispose()
        yield url


#: Restart every ``id`` sequence, as TRUNCATE ... RESTART IDENTITY would.
_RESTART_IDS = text(
    "SELECT setval(seq, 1, false) FROM ("
    " SELECT pg_get_serial_sequence(table_name, 'id') AS seq FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND column_name = 'id') AS ids"
    " WHERE seq IS NOT NULL"
)


def _truncate(url: str) -> None:
    # DELETE, children first: on a handful of rows it is ten times faster than TRUNCATE, which
    # rewrites every table's files (a third of a second per test).
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(_RESTART_IDS)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated registry database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "registry.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_server_url")
    _truncate(url)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The registry, with its built-in groups and roles."""
    db = Database(database_url)
    with db.session() as session:
        ensure_builtins(session)
    yield db
    db.dispose()


@dataclass(frozen=True)
class Installation:
    """An initialised BATON_HOME with its settings and registry."""

    settings: Settings
    database: Database
    admin_password: str = ADMIN_PASSWORD


@pytest.fixture
def installation(tmp_path: Path, database_url: str) -> Iterator[Installation]:
    """``baton init`` done in a temporary home: admin, sample library, key files."""
    settings = load_settings(
        tmp_path / "home",
        environ={},
        database_url=database_url,
        admin_password=ADMIN_PASSWORD,
    )
    db = Database(database_url)
    initialise(settings, database=db)
    yield Installation(settings=settings, database=db)
    db.dispose()


FDS = Path("/proc/self/fd")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, through anyio's pytest plugin."""
    return "asyncio"


@pytest.fixture
def no_leaked_descriptors() -> Iterator[None]:
    """Fail the test if it leaves a socket, pipe or file open (Linux: counts /proc/self/fd)."""
    if not FDS.is_dir():  # pragma: no cover
        yield
        return
    before = set(os.listdir(FDS))
    yield
    leaked = set(os.listdir(FDS)) - before
    assert not leaked, f"file descriptors left open: {sorted(leaked)}"


def pytest_report_header(config: pytest.Config) -> str:
    """Say loudly whether the PostgreSQL half of the suite runs."""
    if os.environ.get(PG_ENV):
        return f"PostgreSQL tests: ON ({PG_ENV} is set)"
    return f"PostgreSQL tests: OFF, skipped (set {PG_ENV}=postgresql://... to run them)"
