"""Which workspace definition a user's kernel is started from, and as which OS account.

Both read the registry (run them in a worker thread). The rules are the module notes of
:mod:`baton.spawner.workspaces`; here is their code.
"""

from __future__ import annotations

import os
from pathlib import Path

from baton.errors import (
    Conflict,
    InvalidInput,
    LaunchRefused,
    PermissionDenied,
    SecretError,
    SpawnFailed,
)
from baton.registry import access, credentials, definitions, users
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import Action, AuthSource, ResourceKind, ServerKind
from baton.registry.records import ServerDefinitionRecord
from baton.registry.specs import PoolSettings
from baton.registry.vault import Vault
from baton.settings import Settings
from baton.spawner import accounts
from baton.spawner.accounts import Account
from baton.spawner.plan import ServerPlan

KIND = ResourceKind.SERVER_DEFINITION


def _runs_on(record: ServerDefinitionRecord, host: str | None) -> bool:
    """Whether ``record`` lists ``host`` (None: the control plane, for a definition with no
    host)."""
    return host in record.hosts if host is not None else not record.hosts


def choose_definition(
    database: Database | None, user: Principal, name: str | None, *, host: str | None
) -> ServerDefinitionRecord:
    """The workspace definition called ``name``, or the first enabled one of ``host`` that
    ``user`` may run (and, for ``run_as_client``, is a host-authenticated user).

    Raises:
        PermissionDenied: no ``run`` on it (or on any, without a name).
        NotFound: no definition called ``name``.
        InvalidInput: it is not a workspace definition.
        Conflict: it is disabled or ``host`` is not among its hosts; none is enabled.
    """
    if database is None:
        raise SpawnFailed("workspace", "this spawner has no registry to read definitions")
    with database.session() as session:
        if name is not None:
            access.require(session, user, KIND, name, Action.RUN)
            record = definitions.get_definition(session, name)
            if record.kind is not ServerKind.WORKSPACE:
                raise InvalidInput("definition", f"{name!r} is not a workspace definition")
            if not _runs_on(record, host):
                where = "the control plane"
                if record.hosts:
                    listed = ", ".join(repr(name) for name in record.hosts)
                    where = f"host {listed}" if len(record.hosts) == 1 else f"hosts {listed}"
                raise Conflict(f"workspace definition {name!r} runs on {where}, not here")
            if not record.enabled:
                raise Conflict(f"workspace definition {name!r} is disabled")
            return record
        found = definitions.list_definitions(session, kind=ServerKind.WORKSPACE, limit=10_000)
        here = [record for record in found.items if _runs_on(record, host)]
        names = [record.name for record in here]
        allowed = access.allowed_names(session, user, KIND, Action.RUN, names)
        host_user = users.get_user(session, user.name).auth_source is AuthSource.HOST
    if here and not allowed:
        raise PermissionDenied(str(Action.RUN), "any workspace definition")
    usable = [r for r in here if r.name in allowed and r.enabled]
    if not usable:
        raise Conflict("no workspace definition that you may run is enabled on this host")
    # A local user has no OS account to run a run_as_client kernel as: those the user can
    # use first; if there are none, the first, whose refusal says why.
    mine = [r for r in usable if host_user or not r.run_as_client]
    return (mine or usable)[0]


def kernel_plan(
    database: Database | None, settings: Settings, user: Principal, record: ServerDefinitionRecord
) -> tuple[ServerPlan, Account]:
    """The plan of ``record`` for ``user``'s kernel, and the account it runs as.

    Raises:
        LaunchRefused: that account may not be used: its credential cannot be read or is
            refused, a local user asks for ``run_as_client``, root without
            ``spawner.allow_root_servers``, or another account when the spawner is not root.
    """
    assert database is not None  # choose_definition() said so otherwise
    spawner = settings.spawner
    with database.session() as session:
        secret: tuple[str, str] | None = None
        if record.credential:
            try:
                with Vault.using(settings.key_path) as vault:
                    secret = credentials.reveal(session, vault, record.credential)
            except (SecretError, OSError) as exc:
                problem = f"its secret cannot be read: {exc}"
                raise LaunchRefused(record.credential, problem) from exc
        host_user = users.get_user(session, user.name).auth_source is AuthSource.HOST
    me = accounts.current()
    if secret is not None:
        name, password = secret
        account = accounts.lookup(name, allow_root=spawner.allow_root_servers)
        if spawner.check_launch_passwords:
            accounts.check_password(name, password, service=spawner.pam_service)
    elif record.run_as_client:
        if not host_user:
            raise LaunchRefused(
                user.name,
                f"definition {record.name!r} runs kernels as the signed-in user's own OS "
                "account, and only host-authenticated users have one",
            )
        account = accounts.lookup(user.name, allow_root=spawner.allow_root_servers)
    elif me.uid == 0 and not spawner.allow_root_servers:
        raise LaunchRefused(
            me.name,
            f"definition {record.name!r} has no launch credential and the spawner runs as "
            "root (give it a credential or run_as_client, or set spawner.allow_root_servers)",
        )
    else:
        account = me
    if (account.uid, account.gid) != (os.geteuid(), os.getegid()) and os.geteuid() != 0:
        raise LaunchRefused(
            account.name,
            f"the spawner runs as {me.name}, not as root: it can only start kernels as {me.name}",
        )
    plan = ServerPlan(
        definition=record.name,
        kind=record.kind,
        command=record.command,
        environment=dict(record.environment),
        cwd=Path(record.working_dir) if record.working_dir else None,
        account=account,
        pool=PoolSettings.model_validate(record.pool),
    )
    return plan, account
