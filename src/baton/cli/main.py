"""The ``baton`` command: builds the typer app and maps errors to exit codes.

Every :class:`~baton.errors.BatonError` raised below a command is caught in one place,
:meth:`BatonGroup.invoke`, printed as ``error: <detail>`` and turned into an exit code by
:func:`baton.cli.exits.exit_code`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# typer vendors click; its Context is the type TyperGroup.invoke is declared with.
from typer._click import Context as ClickContext
from typer.core import TyperGroup

from baton import __version__
from baton.cli import (
    access,
    bootstrap,
    config,
    credentials,
    db,
    dispatch,
    groups,
    jobs,
    operator,
    output,
    runs,
    secrets,
    serve,
    spawner,
    tokens,
    users,
)
from baton.cli.context import Invocation
from baton.cli.exits import exit_code
from baton.errors import BatonError


class BatonGroup(TyperGroup):
    """The root command group: turns Baton's errors into a red line and an exit code."""

    def invoke(self, ctx: ClickContext) -> object:
        """Run the command line; a :class:`BatonError` ends it with its mapped exit code."""
        try:
            return super().invoke(ctx)
        except BatonError as error:
            output.error(error.detail)
            raise typer.Exit(exit_code(error)) from None


def _show_version(value: bool) -> None:
    if value:
        output.line(f"baton {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=BatonGroup,
    name="baton",
    help="Serve Python analytics programs to the web, spawn their servers, orchestrate jobs.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold passwords and secrets
)


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="The Baton home folder (default: $BATON_HOME, else ./.baton).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Baton: serve Python analytics programs, spawn their servers, orchestrate jobs."""
    state = Invocation(home)
    ctx.obj = state
    ctx.call_on_close(state.close)


app.command("init")(bootstrap.init)
app.command("serve")(serve.serve)
app.command("spawner")(spawner.spawner)
app.command("run")(dispatch.run)
app.command("services")(dispatch.services_command)
app.command("grant")(access.grant)
app.command("revoke")(access.revoke)
app.add_typer(users.app, name="user")
app.add_typer(groups.app, name="group")
app.add_typer(access.roles_app, name="role")
app.add_typer(access.permissions_app, name="permissions")
app.add_typer(tokens.app, name="token")
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.add_typer(secrets.app, name="secrets")
app.add_typer(credentials.app, name="credential")
app.add_typer(operator.app, name="operator")
app.add_typer(jobs.app, name="job")
app.command("runs")(runs.list_runs)
app.command("run-status")(runs.run_status)
app.command("run-log")(runs.run_log)
app.command("run-cancel")(runs.run_cancel)


def main() -> None:
    """Run the ``baton`` command line (exits the process with the command's status)."""
    app(prog_name="baton")
