"""``baton db``: the registry database's schema version."""

from __future__ import annotations

import typer

from baton.cli import output
from baton.cli.context import invocation

app = typer.Typer(help="Inspect and migrate the registry database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate the registry to the schema this version of Baton needs."""
    before, after = invocation(ctx).database(check_schema=False).upgrade()
    if before == after:
        output.line(f"registry already at revision {after}")
    else:
        output.line(f"registry upgraded: {before or 'none'} -> {after}")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the registry's schema revision; exits 7 when it needs `baton db upgrade`."""
    database = invocation(ctx).database(check_schema=False)
    current, head = database.current_revision(), database.head_revision()
    output.line(f"current revision: {current or 'none'}")
    output.line(f"head revision:    {head}")
    database.check_schema()
    output.line("the registry is up to date")
