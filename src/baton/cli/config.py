"""``baton config``: the effective settings."""

from __future__ import annotations

import typer

from baton.cli import output
from baton.cli.context import invocation
from baton.settings import describe

app = typer.Typer(help="Inspect the settings.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Show every setting's effective value (secrets masked) and what it does."""
    settings = invocation(ctx).settings()
    table = output.table("key", "value", "description")
    for key, value, description in describe(settings):
        table.add_row(key, value, description)
    output.show(table)
