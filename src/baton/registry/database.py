"""The registry database: engine, sessions, schema version.

SQLite (the default) runs in WAL mode with foreign keys on; PostgreSQL through psycopg 3.
Query functions elsewhere in the package take an explicit :class:`~sqlalchemy.orm.Session`;
:meth:`Database.session` opens one as a transaction that commits on success and rolls back on
any error, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from baton.errors import Conflict, SchemaOutOfDate


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with Baton's connection settings."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that migrates ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("baton.registry") / "migrations"))
    config.attributes["engine"] = engine
    return config


class Database:
    """The registry's engine, its sessions and its schema version."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises.

        A unique or foreign-key violation that the query functions did not foresee (two
        requests racing for one name) surfaces as :class:`~baton.errors.Conflict`.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise Conflict(f"the change conflicts with the registry: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def head_revision(self) -> str:
        """The newest schema revision this version of Baton ships."""
        head = ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()
        assert head is not None
        return head

    def current_revision(self) -> str | None:
        """The schema revision the database is at (None when never migrated)."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def check_schema(self) -> None:
        """Raise :class:`SchemaOutOfDate` unless the database is at the head revision."""
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            raise SchemaOutOfDate(current, head)

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the head revision; returns (before, after)."""
        before = self.current_revision()
        command.upgrade(alembic_config(self.engine), "head")
        return before, self.head_revision()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
