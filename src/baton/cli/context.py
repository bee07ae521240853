"""One invocation's settings and registry, loaded once and released at the end."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from baton.errors import ConfigError
from baton.registry.database import Database
from baton.settings import Settings, load_settings


class Invocation:
    """What one ``baton`` command works with: its settings and, when needed, the registry.

    Settings are read on first use (so ``baton --version`` needs no home); the database is
    opened on first use, checked to be at the schema this version needs, and disposed by
    :meth:`close` when the command ends.
    """

    def __init__(self, home: Path | None) -> None:
        self.home = home
        self._settings: Settings | None = None
        self._database: Database | None = None

    def settings(self, **overrides: str | int) -> Settings:
        """The installation's settings; ``overrides`` (from command-line flags) win.

        Raises:
            ConfigError: naming an unknown key or an invalid value.
        """
        if self._settings is None or overrides:
            self._settings = load_settings(self.home, environ=None, **overrides)
        return self._settings

    def database(self, *, check_schema: bool = True) -> Database:
        """The registry of an initialised home.

        Args:
            check_schema: refuse a database that is not at the head revision.

        Raises:
            ConfigError: the home does not exist or the database cannot be reached.
            SchemaOutOfDate: the database needs ``baton db upgrade``.
        """
        if self._database is None:
            settings = self.settings()
            if not settings.home.is_dir():
                raise ConfigError(
                    f"{settings.home} is not a Baton home; run `baton init` first", key="home"
                )
            self._database = Database(settings.registry_url)
        try:
            if check_schema:
                self._database.check_schema()
            else:
                self._database.current_revision()  # fail here, clearly, when unreachable
        except OperationalError as exc:
            raise ConfigError(
                f"cannot reach the registry database: {exc.orig}", key="database_url"
            ) from exc
        return self._database

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A registry transaction: committed when the block ends, rolled back on error."""
        with self.database().session() as session:
            yield session

    def close(self) -> None:
        """Release the database connections, if any were opened."""
        if self._database is not None:
            self._database.dispose()
            self._database = None


def invocation(ctx: typer.Context) -> Invocation:
    """The invocation that the root callback stored on the context."""
    found = ctx.find_object(Invocation)
    if found is None:  # pragma: no cover - the root callback always sets it
        raise RuntimeError("the baton root callback did not run")
    return found


def actor() -> str:
    """Who the audit trail says made a change from the command line (``cli:<os user>``)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"
