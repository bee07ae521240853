"""The server definitions a host's spawner runs, read from the registry as :class:`ServerPlan`.

A host runs the enabled definitions bound to it (the control plane's own spawner: those bound
to no host). A definition with a launch credential gets the credential's OS account; when
``spawner.check_launch_passwords`` is on, the stored password is checked against the host
(PAM) first. A credential that cannot be used (unknown user, root, a wrong password, a secret
that does not decrypt) does not stop the other definitions: the plan carries the problem, and
every client of that definition gets it as a clear error. Definitions that run as the client
(workspaces) are resolved per request, not here.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from baton.errors import LaunchRefused, NotFound, SecretError
from baton.registry import credentials, definitions
from baton.registry.database import Database
from baton.registry.enums import ServerKind
from baton.registry.records import ServerDefinitionRecord
from baton.registry.specs import PoolSettings
from baton.registry.vault import Vault
from baton.settings import SpawnerSettings
from baton.spawner import accounts
from baton.spawner.accounts import Account
from baton.spawner.plan import ServerPlan

logger = logging.getLogger(__name__)


def read_plans(
    database: Database, key_path: Path, settings: SpawnerSettings, *, host: str | None = None
) -> list[ServerPlan]:
    """The plans of every enabled definition of ``host`` (None: the control plane's)."""
    with database.session() as session:
        names = definitions.names_on_host(session, host)
        records = [definitions.get_definition(session, name) for name in names]
        # Workspace kernels are started per user by Workspaces, never kept by the supervisor.
        records = [record for record in records if record.kind is not ServerKind.WORKSPACE]
        secrets: dict[str, tuple[str, str] | str] = {}
        needed = {record.credential for record in records if record.credential}
        if needed:
            try:
                with Vault.using(key_path) as vault:
                    for name in needed:
                        secrets[name] = credentials.reveal(session, vault, name)
            except (SecretError, OSError) as exc:
                for name in needed:
                    secrets.setdefault(name, f"its secret cannot be read: {exc}")
    return [plan_of(record, secrets, settings) for record in records]


def _unrunnable(command: tuple[str, ...] | list[str], account: Account) -> str:
    """Why ``account`` cannot run the command's program ("" when it can, or when the program
    is not found here: starting it then says so)."""
    program = sys.executable if command[0] == "{python}" else shutil.which(command[0])
    if program is None or accounts.can_execute(account, program):
        return ""
    return (
        f"its servers run as {account.name!r}, who cannot run {program} (a folder on the way "
        "is closed to it): install Baton where other users can run it, or give the "
        "definition a command that account can run"
    )


def plan_of(
    record: ServerDefinitionRecord,
    secrets: dict[str, tuple[str, str] | str],
    settings: SpawnerSettings,
) -> ServerPlan:
    """The plan of one definition (``secrets``: each credential's user and password, or why
    it cannot be read)."""
    account: Account | None = None
    problem = ""
    if record.credential:
        revealed = secrets.get(record.credential, "it does not exist")
        try:
            if isinstance(revealed, str):
                raise LaunchRefused(record.credential, revealed)
            user, password = revealed
            account = accounts.lookup(user, allow_root=settings.allow_root_servers)
            if settings.check_launch_passwords:
                accounts.check_password(user, password, service=settings.pam_service)
        except (LaunchRefused, NotFound) as exc:
            account, problem = None, exc.detail
    elif not record.run_as_client and os.geteuid() == 0 and not settings.allow_root_servers:
        if settings.server_account:
            try:
                account = accounts.lookup(settings.server_account, allow_root=False)
            except (LaunchRefused, NotFound) as exc:
                problem = f"spawner.server_account: {exc.detail}"
        else:
            problem = (
                "it has no launch credential and the spawner runs as root (give it a "
                "credential, set spawner.server_account, or set spawner.allow_root_servers)"
            )
    if account is not None and not problem:
        problem = _unrunnable(record.command, account)
    if problem:
        logger.warning("definition %s cannot launch: %s", record.name, problem)
    ports = None
    if record.port_min is not None and record.port_max is not None:
        ports = (record.port_min, record.port_max)
    return ServerPlan(
        definition=record.name,
        kind=record.kind,
        command=record.command,
        environment=dict(record.environment),
        cwd=Path(record.working_dir) if record.working_dir else None,
        account=account,
        ports=ports,
        pool=PoolSettings.model_validate(record.pool),
        balancing=record.balancing,
        problem=problem,
    )
