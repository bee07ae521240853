"""Which workspace definition a user's kernel is started from, and as which OS account.

:func:`choose_definition` and :func:`launch_inputs` read the registry (run them in a worker
thread); :func:`plan_for` resolves the account on the host that starts the kernel (the
control plane's, or another host's spawner, given the :class:`LaunchInputs` the control plane
read), and :func:`launch_spec` makes the kernel's command, environment and connection folder.
The rules are the module notes of :mod:`baton.spawner.workspaces`; here is their code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
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
from baton.settings import Settings, SpawnerSettings
from baton.spawner import accounts
from baton.spawner.accounts import Account
from baton.spawner.base import LaunchSpec
from baton.spawner.kernel import CONNECTION_FILE, KERNEL_ENV
from baton.spawner.plan import ServerPlan

KIND = ResourceKind.SERVER_DEFINITION


def _runs_on(record: ServerDefinitionRecord, host: str | None, elsewhere: bool) -> bool:
    """Whether ``record`` lists ``host`` (None: the control plane, for a definition with no
    host, or with ``elsewhere`` for any)."""
    return host in record.hosts if host is not None else elsewhere or not record.hosts


def choose_definition(
    database: Database | None,
    user: Principal,
    name: str | None,
    *,
    host: str | None,
    elsewhere: bool = False,
) -> ServerDefinitionRecord:
    """The workspace definition called ``name``, or the first enabled one of ``host`` that
    ``user`` may run (and, for ``run_as_client``, is a host-authenticated user).

    With ``elsewhere`` (the control plane, which has other hosts' spawners start kernels of
    the definitions bound to them), definitions bound to other hosts count too, after the
    control plane's own.

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
            if not _runs_on(record, host, elsewhere):
                where = "the control plane"
                if record.hosts:
                    listed = ", ".join(repr(name) for name in record.hosts)
                    where = f"host {listed}" if len(record.hosts) == 1 else f"hosts {listed}"
                raise Conflict(f"workspace definition {name!r} runs on {where}, not here")
            if not record.enabled:
                raise Conflict(f"workspace definition {name!r} is disabled")
            return record
        found = definitions.list_definitions(session, kind=ServerKind.WORKSPACE, limit=10_000)
        here = [record for record in found.items if _runs_on(record, host, elsewhere)]
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
    return sorted(mine or usable, key=lambda record: bool(record.hosts))[0]


@dataclass(frozen=True)
class LaunchInputs:
    """What the registry says of a kernel's account, for the spawner that resolves it.

    Attributes:
        credential: the user and password of the definition's launch credential (None: it has
            none).
        host_user: whether the signed-in user is host-authenticated (has an OS account of
            their name).
    """

    credential: tuple[str, str] | None
    host_user: bool


def launch_inputs(
    database: Database | None, settings: Settings, user: Principal, record: ServerDefinitionRecord
) -> LaunchInputs:
    """Read what :func:`plan_for` needs from the registry.

    Raises:
        LaunchRefused: the definition's credential cannot be read.
    """
    assert database is not None  # choose_definition() said so otherwise
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
    return LaunchInputs(secret, host_user)


def kernel_plan(
    database: Database | None, settings: Settings, user: Principal, record: ServerDefinitionRecord
) -> tuple[ServerPlan, Account]:
    """The plan of ``record`` for ``user``'s kernel on this host, and the account it runs as
    (:func:`launch_inputs`, then :func:`plan_for`)."""
    inputs = launch_inputs(database, settings, user, record)
    return plan_for(record, settings.spawner, user=user.name, inputs=inputs)


def plan_for(
    record: ServerDefinitionRecord, spawner: SpawnerSettings, *, user: str, inputs: LaunchInputs
) -> tuple[ServerPlan, Account]:
    """The plan of ``record`` for ``user``'s kernel, and the account it runs as, on the host
    that calls it (its accounts, its PAM, its ``[spawner]`` settings).

    Raises:
        LaunchRefused: that account may not be used: the credential is refused, a local user
            asks for ``run_as_client``, root without ``spawner.allow_root_servers``, or another
            account when the spawner is not root.
    """
    me = accounts.current()
    if inputs.credential is not None:
        name, password = inputs.credential
        account = accounts.lookup(name, allow_root=spawner.allow_root_servers)
        if spawner.check_launch_passwords:
            accounts.check_password(name, password, service=spawner.pam_service)
    elif record.run_as_client:
        if not inputs.host_user:
            raise LaunchRefused(
                user,
                f"definition {record.name!r} runs kernels as the signed-in user's own OS "
                "account, and only host-authenticated users have one",
            )
        account = accounts.lookup(user, allow_root=spawner.allow_root_servers)
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


def shared_kernel_root() -> Path:
    """Where the folders of kernels run as other accounts are: a folder of the system's
    temporary folder that only the spawner may list (the installation's home is closed to
    other accounts)."""
    return Path(tempfile.gettempdir()) / f"baton-kernels-{os.geteuid()}"


def launch_spec(
    kernel_id: str, plan: ServerPlan, account: Account, *, own_folder: Path, shared_root: Path
) -> tuple[LaunchSpec, Path]:
    """Kernel ``kernel_id``'s spec (argv, environment, working folder) and its connection
    folder: ``own_folder`` for the spawner's own account, else ``shared_root/ACCOUNT``.

    Raises:
        Conflict: the plan cannot start kernels (no ``{connection_file}``, no such program).
        LaunchRefused: ``account`` may not run the plan's program.
    """
    if not any(CONNECTION_FILE in argument for argument in plan.command):
        raise Conflict(
            f"workspace definition {plan.definition!r} cannot start kernels: its command "
            f"has no {CONNECTION_FILE} (a kernel is given its connection file)"
        )
    spec = plan.launch_spec(f"workspace {kernel_id}", port=0, token="")
    own = (account.uid, account.gid) == (os.geteuid(), os.getegid())
    folder = own_folder if own else _shared(shared_root) / account.name
    home = Path(account.home)
    env = {**KERNEL_ENV, **spec.env}
    if not home.is_dir():
        env.setdefault("IPYTHONDIR", str(folder / "ipython"))
    cwd = spec.cwd or (home if home.is_dir() else folder)
    executable = shutil.which(spec.argv[0], path=env.get("PATH"))
    if executable is None:
        raise Conflict(
            f"workspace definition {plan.definition!r} cannot start kernels: "
            f"{spec.argv[0]!r} is not an executable on its PATH"
        )
    if not own and not accounts.can_execute(account, executable):
        raise LaunchRefused(
            account.name,
            f"it may not run {executable} (a folder on the way is closed to it); give "
            f"definition {plan.definition!r} an interpreter that it can run",
        )
    return dataclasses.replace(spec, env=env, cwd=cwd), folder


def _shared(root: Path) -> Path:
    """``root``, the folder of other accounts' kernel folders: the spawner's own, mode 0711."""
    try:
        with contextlib.suppress(FileExistsError):
            root.mkdir(mode=0o711, parents=True)
        info = root.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            raise SpawnFailed("workspace", f"{root} is not a folder of the spawner's own")
        os.chmod(root, 0o711)  # mkdir's mode went through the umask
    except OSError as exc:
        raise SpawnFailed("workspace", f"kernel folder {root}: {exc}") from exc
    return root
