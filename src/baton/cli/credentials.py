"""``baton credential``: launch credentials (an OS account and its secret, encrypted at rest)."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import actor, invocation
from baton.cli.pages import every
from baton.cli.prompts import read_secret
from baton.registry import credentials
from baton.registry.vault import Vault

app = typer.Typer(help="Manage stored launch credentials.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="The credential's name.", show_default=False)]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Name,
    username: Annotated[
        str, typer.Option("--username", help="The OS account servers run as.", show_default=False)
    ],
    description: Annotated[str, typer.Option(help="What the credential is for.")] = "",
    secret_stdin: Annotated[
        bool, typer.Option("--secret-stdin", help="Read the secret from the first line of stdin.")
    ] = False,
) -> None:
    """Store a credential (asks for the secret twice unless --secret-stdin)."""
    secret = read_secret("Secret", from_stdin=secret_stdin)
    context = invocation(ctx)
    # The ring's lock, held until the commit, keeps `baton secrets rotate` from racing us.
    with Vault.using(context.settings().key_path) as vault, context.session() as session:
        record = credentials.create_credential(
            session,
            vault,
            name,
            username=username,
            secret=secret,
            description=description,
            actor=actor(),
        )
    output.line(f"stored credential {record.name} for OS account {record.username}")


@app.command("list")
def list_credentials(ctx: typer.Context) -> None:
    """List credentials (never their secrets)."""
    with invocation(ctx).session() as session:
        rows = every(
            lambda limit, offset: credentials.list_credentials(session, limit=limit, offset=offset)
        )
    table = output.table("name", "username", "cipher", "key", "updated", "description")
    for row in rows:
        table.add_row(
            row.name,
            row.username,
            row.algorithm,
            row.key_id,
            output.moment(row.updated_at),
            row.description,
        )
    output.show(table)


@app.command("delete")
def delete(ctx: typer.Context, name: Name) -> None:
    """Delete a credential that no server definition uses."""
    with invocation(ctx).session() as session:
        credentials.delete_credential(session, name, actor=actor())
    output.line(f"credential {name} deleted")
