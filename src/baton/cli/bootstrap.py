"""``baton init``: prepare a Baton home."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import invocation
from baton.registry.bootstrap import ADMIN, initialise
from baton.registry.naming import check_os_user
from baton.settings import CONFIG_FILE
from baton.spawner import accounts
from baton.spawner.accounts import Account

_SPAWNER_SECTION = re.compile(r"^\[spawner\]\s*$", re.MULTILINE)
_SERVER_ACCOUNT = re.compile(r"^server_account\s*=.*$", re.MULTILINE)


def init(
    ctx: typer.Context,
    if_needed: Annotated[
        bool,
        typer.Option("--if-needed", help="Say only one line when the home is already set up."),
    ] = False,
    server_account: Annotated[
        str | None,
        typer.Option(
            "--server-account",
            help="As root: the OS account servers without a launch credential run as; "
            "created (a system account without login) when missing, and set as "
            "spawner.server_account.",
        ),
    ] = None,
) -> None:
    """Create the home: settings file, keys, registry, admin user, sample programs.

    Safe to run again: it never replaces a key or a password, and migrates the registry.
    """
    settings = invocation(ctx).settings()
    result = initialise(settings)
    home = result.home.resolve()
    if server_account is not None:
        account = accounts.ensure_service_account(check_os_user(server_account, "server_account"))
        open_home_to(home, account)
        output.line(f"servers without a launch credential run as {account.name!r}")
    root_warning = (
        server_account is None
        and os.geteuid() == 0
        and not (settings.spawner.server_account or settings.spawner.allow_root_servers)
    )
    if not result.created_admin:
        if if_needed:
            output.line(f"Baton home {home} is already initialised")
        else:
            output.line(f"Baton home {home} was already initialised; keys and passwords kept,")
            output.line("registry schema and built-in groups and roles checked")
            _warn_root(root_warning)
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
    _warn_root(root_warning)
    output.line("start Baton with `baton serve`")


def _warn_root(needed: bool) -> None:
    if needed:
        output.line(
            "running as root: servers of definitions without a launch credential are refused; "
            "`baton init --server-account baton` creates an OS account for them",
            style="bold yellow",
        )


def open_home_to(home: Path, account: Account) -> None:
    """Let ``account`` run the home's programs: the home becomes searchable by its group
    (mode 0710: it may open what it is told of, and list nothing), the program folders
    readable, and ``spawner.server_account`` names it. Every key, database and log file stays
    its owner's alone (mode 0600)."""
    os.chown(home, -1, account.gid)
    home.chmod(0o710)
    programs = home / "programs"
    for folder, _, files in os.walk(programs):
        Path(folder).chmod(0o755)
        for name in files:
            (Path(folder) / name).chmod(0o644)
    config = home / CONFIG_FILE
    text = config.read_text()
    line = f'server_account = "{account.name}"'
    if _SERVER_ACCOUNT.search(text):
        text = _SERVER_ACCOUNT.sub(line, text, count=1)
    elif _SPAWNER_SECTION.search(text):
        text = _SPAWNER_SECTION.sub(f"[spawner]\n{line}", text, count=1)
    else:
        text = text.rstrip("\n") + f"\n\n[spawner]\n{line}\n"
    config.write_text(text)
