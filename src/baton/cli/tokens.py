"""``baton token``: API tokens (bearer secrets for scripts and the REST API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import actor, invocation
from baton.cli.pages import every
from baton.registry import tokens, users
from baton.registry.records import TokenRecord

app = typer.Typer(help="Issue, list and revoke API tokens.", no_args_is_help=True)


def _status(token: TokenRecord, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


@app.command("create")
def create(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="Whose token it is.", show_default=False)],
    name: Annotated[str, typer.Option("--name", help="What the token is for.", show_default=False)],
    days: Annotated[
        int | None, typer.Option(help="Days until it expires (default: auth.token_default_days).")
    ] = None,
) -> None:
    """Issue a token and print it (the only time it is shown)."""
    context = invocation(ctx)
    auth = context.settings().auth
    with context.session() as session:
        issued = tokens.create_token(
            session,
            user,
            name,
            days=days if days is not None else auth.token_default_days,
            max_days=auth.token_max_days,
            actor=actor(),
        )
    info = issued.info
    output.line(f"token {info.id} for {info.user} expires {output.moment(info.expires_at)} UTC")
    output.line(f"token: {issued.token}", style="bold")
    output.line("(shown once; store it now)")


@app.command("list")
def list_tokens(
    ctx: typer.Context,
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's tokens.", show_default=False)
    ] = None,
) -> None:
    """List tokens, newest first (never their secrets)."""
    with invocation(ctx).session() as session:
        if user is not None:
            users.get_user(session, user)  # an unknown user is an error, not an empty list
        rows = every(
            lambda limit, offset: tokens.list_tokens(session, user, limit=limit, offset=offset)
        )
    now = datetime.now(UTC)
    table = output.table("id", "user", "name", "prefix", "status", "expires", "last used")
    for token in rows:
        table.add_row(
            str(token.id),
            token.user,
            token.name,
            token.prefix,
            _status(token, now),
            output.moment(token.expires_at),
            output.moment(token.last_used_at),
        )
    output.show(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="The token's id.", show_default=False)],
) -> None:
    """Revoke a token; it stops working at once."""
    with invocation(ctx).session() as session:
        tokens.revoke_token(session, token_id, actor=actor())
    output.line(f"token {token_id} revoked")
