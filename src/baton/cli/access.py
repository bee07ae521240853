"""``baton role``, ``baton grant``/``revoke`` and ``baton permissions``: who may do what."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import actor, invocation
from baton.cli.pages import every
from baton.registry import access, roles
from baton.registry.enums import Action, PrincipalKind, ResourceKind

roles_app = typer.Typer(help="List roles and give them to users or groups.", no_args_is_help=True)
permissions_app = typer.Typer(help="Inspect permission grants.", no_args_is_help=True)

UserOption = Annotated[
    str | None, typer.Option("--user", help="A user's name.", show_default=False)
]
GroupOption = Annotated[
    str | None, typer.Option("--group", help="A group's name.", show_default=False)
]
Role = Annotated[str, typer.Argument(help="The role's name.", show_default=False)]
ActionArgument = Annotated[Action, typer.Argument(help="What to allow.", show_default=False)]
KindArgument = Annotated[
    ResourceKind, typer.Argument(help="The kind of resource.", show_default=False)
]
ResourceArgument = Annotated[
    str,
    typer.Argument(
        help="The resource's name: a name, lib.program, lib.* or *.", show_default=False
    ),
]


def principal(user: str | None, group: str | None) -> tuple[PrincipalKind, str]:
    """The one principal that ``--user`` or ``--group`` names.

    Raises:
        typer.BadParameter: both or neither were given.
    """
    if user is not None and group is None:
        return PrincipalKind.USER, user
    if group is not None and user is None:
        return PrincipalKind.GROUP, group
    raise typer.BadParameter("give exactly one of --user or --group")


@roles_app.command("list")
def list_roles(ctx: typer.Context) -> None:
    """List roles, their capabilities and holders."""
    with invocation(ctx).session() as session:
        rows = every(lambda limit, offset: roles.list_roles(session, limit=limit, offset=offset))
    table = output.table("name", "capabilities", "users", "groups", "description")
    for role in rows:
        table.add_row(
            role.name,
            output.names(str(capability) for capability in role.capabilities),
            output.names(role.users),
            output.names(role.groups),
            role.description,
        )
    output.show(table)


@roles_app.command("assign")
def assign(
    ctx: typer.Context, role: Role, user: UserOption = None, group: GroupOption = None
) -> None:
    """Give a role to a user or a group."""
    kind, name = principal(user, group)
    with invocation(ctx).session() as session:
        roles.assign(session, role, kind, name, actor=actor())
    output.line(f"{kind} {name} holds role {role}")


@roles_app.command("unassign")
def unassign(
    ctx: typer.Context, role: Role, user: UserOption = None, group: GroupOption = None
) -> None:
    """Take a role away from a user or a group."""
    kind, name = principal(user, group)
    with invocation(ctx).session() as session:
        roles.unassign(session, role, kind, name, actor=actor())
    output.line(f"{kind} {name} no longer holds role {role}")


def grant(
    ctx: typer.Context,
    action: ActionArgument,
    resource_kind: KindArgument,
    resource_name: ResourceArgument,
    user: UserOption = None,
    group: GroupOption = None,
) -> None:
    """Allow a user or group an action on a resource."""
    kind, name = principal(user, group)
    with invocation(ctx).session() as session:
        access.grant(session, kind, name, resource_kind, resource_name, action, granted_by=actor())
    output.line(f"granted {action} on {resource_kind} {resource_name} to {kind} {name}")


def revoke(
    ctx: typer.Context,
    action: ActionArgument,
    resource_kind: KindArgument,
    resource_name: ResourceArgument,
    user: UserOption = None,
    group: GroupOption = None,
) -> None:
    """Withdraw a grant."""
    kind, name = principal(user, group)
    with invocation(ctx).session() as session:
        access.revoke(session, kind, name, resource_kind, resource_name, action, revoked_by=actor())
    output.line(f"revoked {action} on {resource_kind} {resource_name} from {kind} {name}")


@permissions_app.command("list")
def list_permissions(
    ctx: typer.Context,
    user: UserOption = None,
    group: GroupOption = None,
    kind: Annotated[
        ResourceKind | None,
        typer.Option("--kind", help="Only grants on this kind of resource.", show_default=False),
    ] = None,
) -> None:
    """List permission grants, optionally those of one user or group."""
    holder = principal(user, group) if user is not None or group is not None else None
    with invocation(ctx).session() as session:
        rows = every(
            lambda limit, offset: access.list_permissions(
                session,
                resource_kind=kind,
                principal_kind=holder[0] if holder else None,
                principal=holder[1] if holder else None,
                limit=limit,
                offset=offset,
            )
        )
    table = output.table("id", "holder", "action", "resource", "granted by", "granted at")
    for row in rows:
        table.add_row(
            str(row.id),
            f"{row.principal_kind} {row.principal}",
            str(row.action),
            f"{row.resource_kind} {row.resource_name}",
            row.granted_by,
            output.moment(row.created_at),
        )
    output.show(table)
