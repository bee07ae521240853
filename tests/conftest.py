"""Shared fixtures: a real registry on SQLite (always) and PostgreSQL (when configured).

Tests that take ``database_url`` (directly or through ``database``/``installation``) run once per
backend. PostgreSQL runs when ``BATON_TEST_DATABASE_URL`` points at a server where the test user
may create databases; each test session (each pytest-xdist worker) creates its own database and
drops it at the end. Under CI (``CI`` set) a missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvloop
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from baton.registry import definitions
from baton.registry.bootstrap import RUNNER_DEFINITION, ensure_builtins, initialise
from baton.registry.database import Database, normalise_url
from baton.registry.models import Base
from baton.settings import Settings, load_settings

# jupyter_client in the test process (clients of workspace kernels, the control plane's console)
# reads Jupyter's folders through platformdirs, as kernels do, without a deprecation warning.
os.environ["JUPYTER_PLATFORM_DIRS"] = "1"

ADMIN_PASSWORD = "correct-horse-battery"
#: The spawner settings of test installations: the suite runs as root in CI, and its
#: installations live in folders only root can enter, so their servers run as root (the tests
#: of launch accounts and of the refusal set their own).
TEST_SPAWNER = {"allow_root_servers": True}
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
    # Named after the pytest-xdist worker too: each worker has its own databases.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{prefix}_{worker}_{uuid.uuid4().hex[:10]}"
    # No pool: a pooled connection would stay open for the whole session, and the first test
    # to need PostgreSQL (whichever a worker runs first) would count it as its leaked socket.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
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
        spawner=TEST_SPAWNER,
    )
    db = Database(database_url)
    initialise(settings, database=db)
    runners_on_demand(db)
    yield Installation(settings=settings, database=db)
    db.dispose()


def runners_on_demand(database: Database, warm: int = 0) -> None:
    """Keep ``warm`` job runners ready (``baton init`` keeps one). Tests that run no job keep
    none: a runner would be one more process to start and one more server in operators' lists.
    """
    with database.session() as session:
        row = definitions.load(session, RUNNER_DEFINITION)
        row.pool = {**row.pool, "start_size": warm, "min_available": warm}


FDS = Path("/proc/self/fd")


def sqlite_copy(folder: Path, template: Path) -> str:
    """The URL of a fresh copy of the migrated SQLite registry ``template`` in ``folder``: for
    the tests that act on processes, not on the registry, and so run on SQLite only."""
    path = folder / "registry.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, through anyio's pytest plugin."""
    return "asyncio"


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """A short temporary folder for Unix sockets, removed afterwards.

    A socket's path may not pass 107 bytes, and ``tmp_path`` is deep, the more so under
    pytest-xdist (``/tmp/pytest-of-USER/pytest-N/popen-gw0/test_name0/``).
    """
    with tempfile.TemporaryDirectory(prefix="baton-", ignore_cleanup_errors=True) as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def libuv_ready() -> None:
    """Open libuv's process-wide pipe before any test counts descriptors.

    uvicorn runs the control plane on uvloop; the first time a libuv loop starts a child
    process, libuv opens a pipe for the whole process (its signal lock) that it never closes.
    """

    async def child() -> None:
        process = await asyncio.create_subprocess_exec("true")
        await process.wait()

    uvloop.run(child())


@pytest.fixture
def no_leaked_descriptors(libuv_ready: None) -> Iterator[None]:
    """Fail the test if it leaves a socket, pipe or file open (Linux: reads /proc/self/fd)."""
    if not FDS.is_dir():  # pragma: no cover
        yield
        return
    before = open_descriptors()
    yield
    after = open_descriptors()
    leaked = [f"{fd} -> {after[fd]}" for fd in sorted(after.keys() - before.keys())]
    assert not leaked, f"file descriptors left open: {leaked}"


def open_descriptors() -> dict[int, str]:
    """This process's open descriptors and what each links to.

    Listing ``/proc/self/fd`` opens one more descriptor, closed once listed: it is left out, or it
    would hide a descriptor opened later under the same number.
    """
    found = {}
    for name in os.listdir(FDS):
        try:
            found[int(name)] = os.readlink(FDS / name)
        except OSError:  # the listing's own descriptor, closed by now
            continue
    return found


def pytest_report_header(config: pytest.Config) -> str:
    """Say loudly whether the PostgreSQL half of the suite runs."""
    if os.environ.get(PG_ENV):
        return f"PostgreSQL tests: ON ({PG_ENV} is set)"
    return f"PostgreSQL tests: OFF, skipped (set {PG_ENV}=postgresql://... to run them)"
