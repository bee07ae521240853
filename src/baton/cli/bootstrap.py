"""``baton init``: prepare a Baton home."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import invocation
from baton.registry.bootstrap import ADMIN, initialise
from baton.settings import CONFIG_FILE


def init(
    ctx: typer.Context,
    if_needed: Annotated[
        bool,
        typer.Option("--if-needed", help="Say only one line when the home is already set up."),
    ] = False,
) -> None:
    """Create the home: settings file, keys, registry, admin user, sample programs.

    Safe to run again: it never replaces a key or a password, and migrates the registry.
    """
    result = initialise(invocation(ctx).settings())
    home = result.home.resolve()
    if not result.created_admin:
        if if_needed:
            output.line(f"Baton home {home} is already initialised")
        else:
            output.line(f"Baton home {home} was already initialised; keys and passwords kept,")
            output.line("registry schema and built-in groups and roles checked")
        return
    output.line(f"initialised Baton home {home}")
    output.line(f"settings: {home / CONFIG_FILE}")
    if result.generated_password is not None:
        output.line(
            f"admin password: {result.generated_password} "
            f"(shown once; change it with `baton user passwd {ADMIN}`)",
            style="bold yellow",
        )
    else:
        output.line(f"user {ADMIN} has the password given by the admin_password setting")
    output.line("start Baton with `baton serve`")
