"""Fixtures for the ``baton`` command: a runner bound to an initialised home."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from baton.cli.main import app
from tests.conftest import Installation


@pytest.fixture(autouse=True)
def _no_baton_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own BATON_* variables must not leak into the command under test."""
    for name in list(os.environ):
        if name.startswith("BATON_") and not name.startswith("BATON_TEST_"):
            monkeypatch.delenv(name)


#: A terminal wide enough that rich never folds a cell the tests look for.
WIDTH = "200"


@dataclass
class Cli:
    """Runs ``baton --home HOME ...`` in-process, with the registry URL in the environment."""

    home: Path
    env: dict[str, str] = field(default_factory=dict)
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return self.runner.invoke(
            app,
            ["--home", str(self.home), *args],
            input=input,
            env={"COLUMNS": WIDTH, **self.env, **(env or {})},
        )

    def ok(self, *args: str, input: str | None = None) -> Result:
        """Run and insist on exit status 0."""
        result = self(*args, input=input)
        assert result.exit_code == 0, describe(result)
        return result


def describe(result: Result) -> str:
    """Everything a failed assertion on a CLI result should show."""
    return (
        f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
        f"exception: {result.exception!r}"
    )


@pytest.fixture
def cli(installation: Installation) -> Iterator[Cli]:
    """The command line of an initialised installation (SQLite and PostgreSQL)."""
    yield Cli(
        home=installation.settings.home,
        env={"BATON_DATABASE_URL": installation.settings.registry_url},
    )
