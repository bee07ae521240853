"""``baton group``: groups of users."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import actor, invocation
from baton.cli.pages import every
from baton.registry import groups

app = typer.Typer(help="Manage groups and their members.", no_args_is_help=True)

Group = Annotated[str, typer.Argument(help="The group's name.", show_default=False)]
User = Annotated[str, typer.Argument(help="The user's name.", show_default=False)]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Group,
    description: Annotated[str, typer.Option(help="What the group is for.")] = "",
) -> None:
    """Create a group."""
    with invocation(ctx).session() as session:
        group = groups.create_group(session, name, description=description, actor=actor())
    output.line(f"created group {group.name}")


@app.command("list")
def list_groups(ctx: typer.Context) -> None:
    """List groups with their members (PUBLIC and AUTHENTICATED have implicit members)."""
    with invocation(ctx).session() as session:
        rows = every(lambda limit, offset: groups.list_groups(session, limit=limit, offset=offset))
    table = output.table("name", "description", "built in", "members")
    for group in rows:
        members = "(implicit)" if group.builtin else output.names(group.members)
        table.add_row(group.name, group.description, "yes" if group.builtin else "", members)
    output.show(table)


@app.command("delete")
def delete(ctx: typer.Context, name: Group) -> None:
    """Delete a group with its grants (built-in groups cannot be deleted)."""
    with invocation(ctx).session() as session:
        groups.delete_group(session, name, actor=actor())
    output.line(f"group {name} deleted")


@app.command("add-member")
def add_member(ctx: typer.Context, group: Group, user: User) -> None:
    """Put a user in a group."""
    with invocation(ctx).session() as session:
        groups.add_member(session, group, user, actor=actor())
    output.line(f"{user} is a member of {group}")


@app.command("remove-member")
def remove_member(ctx: typer.Context, group: Group, user: User) -> None:
    """Take a user out of a group."""
    with invocation(ctx).session() as session:
        groups.remove_member(session, group, user, actor=actor())
    output.line(f"{user} is no longer a member of {group}")
