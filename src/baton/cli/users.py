"""``baton user``: registry accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import actor, invocation
from baton.cli.pages import every
from baton.cli.prompts import read_secret
from baton.registry import users
from baton.registry.enums import AuthSource

app = typer.Typer(help="Manage users.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="The user's name.", show_default=False)]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Name,
    display_name: Annotated[str, typer.Option(help="Full name shown in the web client.")] = "",
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
    password_stdin: PasswordStdin = False,
    host_auth: Annotated[
        bool,
        typer.Option("--host-auth", help="Check the password against the host (PAM), not Baton."),
    ] = False,
) -> None:
    """Create a user (asks for the password twice unless --password-stdin or --host-auth)."""
    if host_auth and password_stdin:
        raise typer.BadParameter("a host-authenticated user has no Baton password")
    password = None if host_auth else read_secret("Password", from_stdin=password_stdin)
    with invocation(ctx).session() as session:
        user = users.create_user(
            session,
            name,
            password=password,
            display_name=display_name,
            email=email,
            auth_source=AuthSource.HOST if host_auth else AuthSource.LOCAL,
            actor=actor(),
        )
    output.line(f"created user {user.name} ({user.auth_source} sign-in)")


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List users."""
    with invocation(ctx).session() as session:
        rows = every(lambda limit, offset: users.list_users(session, limit=limit, offset=offset))
    table = output.table("name", "display name", "email", "sign-in", "status", "groups")
    for user in rows:
        status = "disabled" if user.disabled else "enabled"
        table.add_row(
            user.name,
            user.display_name,
            user.email,
            str(user.auth_source),
            status,
            output.names(user.groups),
        )
    output.show(table)


@app.command("passwd")
def passwd(ctx: typer.Context, name: Name, password_stdin: PasswordStdin = False) -> None:
    """Set a local user's password."""
    password = read_secret("New password", from_stdin=password_stdin)
    with invocation(ctx).session() as session:
        users.set_password(session, name, password, actor=actor())
    output.line(f"password of {name} changed")


@app.command("disable")
def disable(ctx: typer.Context, name: Name) -> None:
    """Stop a user from signing in (their tokens stop working too)."""
    with invocation(ctx).session() as session:
        users.update_user(session, name, disabled=True, actor=actor())
    output.line(f"user {name} disabled")


@app.command("enable")
def enable(ctx: typer.Context, name: Name) -> None:
    """Let a disabled user sign in again."""
    with invocation(ctx).session() as session:
        users.update_user(session, name, disabled=False, actor=actor())
    output.line(f"user {name} enabled")


@app.command("delete")
def delete(ctx: typer.Context, name: Name) -> None:
    """Delete a user with their tokens, memberships and grants."""
    with invocation(ctx).session() as session:
        users.delete_user(session, name, actor=actor())
    output.line(f"user {name} deleted")
