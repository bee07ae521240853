"""``Workspaces``: each signed-in user's Jupyter kernels, started by this host's spawner.

A user starts a kernel of a ``workspace`` server definition they may ``run`` (by default the
first enabled one, by name); the answer carries the kernel's connection info, with which any
Jupyter client connects. The kernel runs as:

- the OS user of the definition's launch credential, when it has one;
- with ``run_as_client``, the signed-in user's own OS account: only a host-authenticated user
  (``auth_source`` host) has one, whose registry name is the account's name;
- otherwise the spawner's own account (refused when that is root, unless
  ``spawner.allow_root_servers``).

Switching account needs root: a spawner that is not root starts kernels as itself only, and
says so. A user has at most the definition's ``pool.max_servers`` kernels of it; a kernel idle
for longer than its ``pool.idle_timeout`` (0: never) is stopped by a background culler, which
also notices kernels that ended on their own. Users see and stop only their own kernels:
another user's kernel id is not found, whether it exists or not.

Connection files live in a private folder per account: under the spawner's state folder for
its own account; for another account, in a folder of the system's temporary folder that
only the spawner may list (``baton-kernels-UID``, mode 0711), since the installation's home
is closed to other accounts. The kernels are saved in a state file beside the supervisor's,
so that a control plane restarted after a crash re-adopts them; closing stops them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread

from baton.errors import (
    Conflict,
    LaunchRefused,
    NotFound,
    PermissionDenied,
    SpawnError,
    SpawnFailed,
)
from baton.registry import audit
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome
from baton.registry.records import ServerDefinitionRecord
from baton.settings import Settings
from baton.spawner import accounts
from baton.spawner.accounts import Account
from baton.spawner.base import LaunchSpec
from baton.spawner.kernel import (
    CONNECTION_FILE,
    KERNEL_ENV,
    PORTS,
    ConnectionInfo,
    KernelSpawner,
)
from baton.spawner.plan import ServerPlan
from baton.spawner.statefile import StateFile
from baton.spawner.states import ProcessState, change_state
from baton.spawner.workspace_plan import KIND, choose_definition, kernel_plan

logger = logging.getLogger(__name__)

#: Who the audit trail names for what the culler does.
CULLER = "spawner"


@dataclass(frozen=True)
class WorkspaceRecord:
    """One kernel as its owner sees it.

    Attributes:
        id: its id (random; unique on this host).
        owner: the user who started it.
        definition: the workspace definition it was started from.
        account: the OS user it runs as.
        state: STARTING, RUNNING or STOPPING.
        pid: its process id.
        created: when it was started (UTC).
        last_activity: when it was last busy (or started, or re-adopted).
        execution_state: what the kernel last published: ``idle``, ``busy``, ``starting``.
        connection: what a Jupyter client needs: ``ip``, the five ports, ``key``,
            ``transport``, ``signature_scheme``, ``kernel_name``.
    """

    id: str
    owner: str
    definition: str
    account: str
    state: ProcessState
    pid: int | None
    created: datetime
    last_activity: datetime
    execution_state: str
    connection: ConnectionInfo


@dataclass
class _Kernel:
    """A kernel this spawner looks after."""

    id: str
    owner_id: int
    owner: str
    definition: str
    account: str
    idle_timeout: float
    spawner: KernelSpawner
    created: datetime
    state: ProcessState = ProcessState.STARTING
    starting: asyncio.Future[str] | None = None
    stopping: asyncio.Task[None] | None = None

    def change(self, target: ProcessState) -> None:
        self.state = change_state(self.state, target)


def shared_kernel_root() -> Path:
    """Where the folders of kernels run as other accounts are (see the module's notes)."""
    return Path(tempfile.gettempdir()) / f"baton-kernels-{os.geteuid()}"


class Workspaces:
    """The kernels of one host's spawner, per user.

    Use as ``await workspaces.open()`` ... ``await workspaces.aclose()``.

    Args:
        settings: the installation's settings (``[spawner]``, the state folder, the key ring).
        database: the registry (None: a spawner without one starts no kernel).
        host: the registry name of this host (None: the control plane's own spawner).
        kernel_root: where other accounts' kernel folders go (default
            :func:`shared_kernel_root`).
    """

    def __init__(
        self,
        settings: Settings,
        database: Database | None,
        *,
        host: str | None = None,
        kernel_root: Path | None = None,
    ) -> None:
        self.settings = settings
        self.host = host
        self.kernel_root = kernel_root or shared_kernel_root()
        self._database = database
        self._store = StateFile(settings.spawner_state_path / f"{host or 'local'}-workspaces.json")
        self._own_folder = settings.spawner_state_path / "kernels"
        self._log = settings.home / "logs" / "kernels.log"
        self._kernels: dict[str, _Kernel] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._culler: asyncio.Task[None] | None = None
        self._closed = False

    # --- life -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Re-adopt the kernels a previous control plane left running; start the culler."""
        self._log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._readopt(self._store.load())
        self._save()
        self._culler = asyncio.create_task(self._cull(), name="workspace culler")

    async def aclose(self) -> None:
        """Stop every kernel (those still starting too) and the culler."""
        self._closed = True
        if self._culler is not None:
            self._culler.cancel()
            await asyncio.gather(self._culler, return_exceptions=True)
            self._culler = None
        starting = [k.starting for k in self._kernels.values() if k.starting is not None]
        for task in starting:
            task.cancel()
        await asyncio.gather(*starting, return_exceptions=True)
        for kernel in list(self._kernels.values()):
            if kernel.state is not ProcessState.STARTING:
                self._stop(kernel, self.settings.spawner.stop_grace)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._save()

    # --- what users do ----------------------------------------------------------------------

    async def start(
        self, user: Principal, *, definition: str | None = None, remote_addr: str = ""
    ) -> WorkspaceRecord:
        """Start a kernel for ``user``; it answers once the kernel does.

        Args:
            user: the signed-in user.
            definition: the workspace definition (None: the first enabled one they may run).
            remote_addr: the client's address, for the audit trail.

        Raises:
            PermissionDenied: they may not run that definition (or any, when none is named).
            NotFound: no definition of that name.
            InvalidInput: it is not a workspace definition.
            Conflict: it is disabled, bound to another host, or cannot start kernels (no
                ``{connection_file}``, no such program); none is enabled; or they already have
                its ``pool.max_servers`` kernels.
            LaunchRefused: the kernel may not run as its account (see the module's notes).
            SpawnError: the kernel did not start (it exited, or did not answer in time).
        """
        if user.user_id is None:
            raise PermissionDenied("start", "a workspace")
        self._check_open()
        choose = partial(choose_definition, self._database, host=self.host)
        record = await anyio.to_thread.run_sync(choose, user, definition)
        audit = partial(
            self._audit, "workspace.start", record.name, actor=user.name, remote_addr=remote_addr
        )
        try:
            kernel = await self._launch(user, user.user_id, record)
        except SpawnError as exc:
            failed = AuditOutcome.FAILED
            await anyio.to_thread.run_sync(
                partial(audit, outcome=failed, detail={"problem": exc.detail})
            )
            raise
        await anyio.to_thread.run_sync(partial(audit, detail=self._detail(kernel)))
        return self._record(kernel)

    async def _launch(
        self, user: Principal, owner_id: int, record: ServerDefinitionRecord
    ) -> _Kernel:
        """Start a kernel of ``record`` for ``user``; it once it runs."""
        resolve = partial(kernel_plan, self._database, self.settings)
        plan, account = await anyio.to_thread.run_sync(resolve, user, record)
        self._check_open()
        kernel_id = secrets.token_hex(8)
        spec, folder = self._launch_spec(kernel_id, plan, account)
        mine = [
            k
            for k in self._kernels.values()
            if k.owner_id == owner_id and k.definition == plan.definition
        ]
        if len(mine) >= plan.pool.max_servers:
            raise Conflict(
                f"you already have {len(mine)} kernels of workspace definition "
                f"{plan.definition!r}, its limit (pool.max_servers); stop one first"
            )
        kernel = _Kernel(
            id=kernel_id,
            owner_id=owner_id,
            owner=user.name,
            definition=plan.definition,
            account=account.name,
            idle_timeout=plan.pool.idle_timeout,
            spawner=KernelSpawner(spec, folder, log=self._log),
            created=datetime.now(UTC),
        )
        self._kernels[kernel.id] = kernel
        kernel.starting = asyncio.ensure_future(kernel.spawner.start())
        try:
            await kernel.starting
        except asyncio.CancelledError:
            self._kernels.pop(kernel.id, None)
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the caller went away: cancelling the start killed the kernel
            raise SpawnFailed(spec.name, "the spawner closed while it started") from None
        except BaseException:
            self._kernels.pop(kernel.id, None)
            raise
        finally:
            kernel.starting = None
        kernel.change(ProcessState.RUNNING)
        self._save()
        pid = kernel.spawner.pid
        logger.info("workspace %s of %s: pid %s as %s", kernel.id, user.name, pid, account.name)
        return kernel

    def list(self, user: Principal) -> list[WorkspaceRecord]:
        """``user``'s kernels, oldest first."""
        own = [k for k in self._kernels.values() if k.owner_id == user.user_id]
        return [self._record(k) for k in sorted(own, key=lambda k: k.created)]

    def get(self, user: Principal, workspace_id: str) -> WorkspaceRecord:
        """One of ``user``'s kernels (:class:`NotFound` for anyone else's)."""
        return self._record(self._own(user, workspace_id))

    async def stop(self, user: Principal, workspace_id: str, *, remote_addr: str = "") -> None:
        """Stop one of ``user``'s kernels; returns once its process is gone.

        Raises:
            NotFound: ``user`` has no kernel of that id.
            Conflict: it is still starting.
        """
        kernel = self._own(user, workspace_id)
        if kernel.state is ProcessState.STARTING:
            raise Conflict(f"workspace {workspace_id!r} is still starting; stop it once it runs")
        first = kernel.stopping is None
        await asyncio.shield(self._stop(kernel, self.settings.spawner.stop_grace))
        if first:
            stopped = partial(self._audit, "workspace.stop", kernel.definition, actor=user.name)
            detail = self._detail(kernel)
            await anyio.to_thread.run_sync(partial(stopped, remote_addr=remote_addr, detail=detail))

    def _own(self, user: Principal, workspace_id: str) -> _Kernel:
        kernel = self._kernels.get(workspace_id)
        if kernel is None or kernel.owner_id != user.user_id:
            raise NotFound("workspace", workspace_id)  # another user's is not revealed
        return kernel

    def _check_open(self) -> None:
        if self._closed:
            raise SpawnFailed("workspace", "the spawner is closing")

    def _record(self, kernel: _Kernel) -> WorkspaceRecord:
        spawner = kernel.spawner
        idle = spawner.idle_for() if kernel.state is ProcessState.RUNNING else 0.0
        return WorkspaceRecord(
            id=kernel.id,
            owner=kernel.owner,
            definition=kernel.definition,
            account=kernel.account,
            state=kernel.state,
            pid=spawner.pid,
            created=kernel.created,
            last_activity=datetime.now(UTC) - timedelta(seconds=idle),
            execution_state=spawner.execution_state,
            connection=dict(spawner.connection_info or {}),
        )

    # --- the kernel's command ----------------------------------------------------------------

    def _launch_spec(
        self, kernel_id: str, plan: ServerPlan, account: Account
    ) -> tuple[LaunchSpec, Path]:
        """The kernel's spec (argv, environment, working folder) and its connection folder."""
        if not any(CONNECTION_FILE in argument for argument in plan.command):
            raise Conflict(
                f"workspace definition {plan.definition!r} cannot start kernels: its command "
                f"has no {CONNECTION_FILE} (a kernel is given its connection file)"
            )
        spec = plan.launch_spec(f"workspace {kernel_id}", port=0, token="")
        own = (account.uid, account.gid) == (os.geteuid(), os.getegid())
        folder = self._own_folder if own else self._shared_root() / account.name
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

    def _shared_root(self) -> Path:
        """The folder of other accounts' kernel folders: the spawner's own, mode 0711."""
        root = self.kernel_root
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

    # --- stopping and culling --------------------------------------------------------------

    def _stop(self, kernel: _Kernel, grace: float) -> asyncio.Task[None]:
        """Stop ``kernel`` (at most once); the task doing it."""
        if kernel.stopping is None:
            kernel.stopping = self._spawn(self._stopping(kernel, grace), f"stop {kernel.id}")
        return kernel.stopping

    async def _stopping(self, kernel: _Kernel, grace: float) -> None:
        try:
            kernel.change(ProcessState.STOPPING)
            status = await kernel.spawner.stop(grace)
            kernel.change(ProcessState.STOPPED)
            logger.info("workspace %s of %s stopped (status %s)", kernel.id, kernel.owner, status)
        finally:
            self._kernels.pop(kernel.id, None)
            self._save()

    async def _cull(self) -> None:
        while True:
            await asyncio.sleep(self.settings.spawner.tick_seconds)
            try:
                self.sweep()
            except Exception:  # the culler outlives any one bad pass
                logger.exception("workspaces: a culling pass failed")

    def sweep(self) -> None:
        """One pass of the culler: reap kernels that ended, stop those idle too long."""
        for kernel in list(self._kernels.values()):
            if kernel.state is not ProcessState.RUNNING:
                continue
            status = kernel.spawner.poll()
            idle = kernel.spawner.idle_for()
            if status is not None:
                logger.info("workspace %s ended on its own (status %s)", kernel.id, status)
                self._stop(kernel, 0.0)
                self._audit_soon("workspace.exit", kernel, problem=f"it exited with {status}")
            elif kernel.idle_timeout and idle > kernel.idle_timeout:
                logger.info("workspace %s idle for %.0f s: stopping it", kernel.id, idle)
                self._stop(kernel, self.settings.spawner.stop_grace)
                self._audit_soon("workspace.cull", kernel, problem=f"idle for {idle:.0f} s")

    # --- records -----------------------------------------------------------------------------

    def _audit(
        self,
        action: str,
        definition: str,
        *,
        actor: str = CULLER,
        outcome: AuditOutcome = AuditOutcome.OK,
        remote_addr: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        if self._database is None:
            return
        with self._database.session() as session:
            audit.record(
                session,
                action,
                actor=actor,
                resource=f"{KIND}:{definition}",
                outcome=outcome,
                remote_addr=remote_addr,
                detail=detail,
            )

    @staticmethod
    def _detail(kernel: _Kernel) -> dict[str, Any]:
        return {
            "workspace": kernel.id,
            "owner": kernel.owner,
            "account": kernel.account,
            "pid": kernel.spawner.pid,
        }

    def _audit_soon(self, action: str, kernel: _Kernel, *, problem: str) -> None:
        detail = self._detail(kernel) | {"problem": problem}
        write = partial(self._audit, action, kernel.definition, detail=detail)
        self._spawn(anyio.to_thread.run_sync(write), f"audit {action} {kernel.id}")

    def _spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _save(self) -> None:
        kernels = [
            {
                "id": kernel.id,
                "owner_id": kernel.owner_id,
                "owner": kernel.owner,
                "definition": kernel.definition,
                "account": kernel.account,
                "idle_timeout": kernel.idle_timeout,
                "created": kernel.created.isoformat(),
                "spawner": kernel.spawner.get_state(),
            }
            for kernel in self._kernels.values()
            if kernel.state is ProcessState.RUNNING and kernel.spawner.pid is not None
        ]
        try:
            self._store.save({"kernels": kernels})
        except OSError as exc:  # the kernels still run; only a crash would forget them
            logger.error("workspaces: cannot save %s: %s", self._store.path, exc)

    def _readopt(self, saved: dict[str, Any]) -> None:
        """Take back the kernels a previous control plane left running."""
        for entry in saved.get("kernels", []):
            try:
                self._readopt_one(entry)
            except (KeyError, TypeError, ValueError) as exc:
                logger.warning("workspaces: cannot re-adopt %r: %s", entry, exc)

    def _readopt_one(self, entry: dict[str, Any]) -> None:
        kernel_id = str(entry["id"])
        spec = LaunchSpec(name=f"workspace {kernel_id}", argv=("-",))
        spawner = KernelSpawner(spec, self._own_folder)
        spawner.load_state(dict(entry["spawner"]))
        info = spawner.connection_info or {}
        if spawner.poll() is not None or not all(key in info for key in (*PORTS, "key")):
            logger.info("workspaces: %s is gone since the last run", kernel_id)
            self._spawn(spawner.stop(self.settings.spawner.stop_grace), f"stop {kernel_id}")
            return
        kernel = _Kernel(
            id=kernel_id,
            owner_id=int(entry["owner_id"]),
            owner=str(entry["owner"]),
            definition=str(entry["definition"]),
            account=str(entry["account"]),
            idle_timeout=float(entry["idle_timeout"]),
            spawner=spawner,
            created=datetime.fromisoformat(str(entry["created"])),
            state=ProcessState.RUNNING,
        )
        self._kernels[kernel_id] = kernel
        logger.info("workspaces: re-adopted %s (pid %s)", kernel_id, spawner.pid)
