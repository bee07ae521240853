"""``Kernels``: the Jupyter kernels that one host's spawner runs for users (workspace servers).

:meth:`Kernels.launch` starts a kernel of a workspace plan, as the account already chosen for
it (:mod:`baton.spawner.workspace_plan`), for one user; the kernel's record carries the
connection info with which any Jupyter client connects, and :meth:`Kernels.execute` runs code
in it (:mod:`baton.spawner.console`). A user has at most the plan's ``pool.max_servers``
kernels of it here. A kernel idle for longer than its ``pool.idle_timeout`` (0: never) is
stopped by a background culler, which also notices kernels that ended on their own; each
such end is told to ``on_end`` (the control plane audits it; another host's spawner reports
it to the control plane).

Connection files live in a private folder per account: under the spawner's state folder for
its own account; for another account, in a folder of the system's temporary folder that only
the spawner may list (``baton-kernels-UID``, mode 0711), since the installation's home is
closed to other accounts. The kernels are saved in a state file (pid, start time, connection
file's path: never the key), so that a spawner restarted after a crash re-adopts them;
closing stops them all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from baton.errors import Conflict, NotFound, SpawnFailed
from baton.settings import Settings
from baton.spawner import console
from baton.spawner.accounts import Account
from baton.spawner.base import LaunchSpec
from baton.spawner.console import Execution
from baton.spawner.kernel import (
    PORTS,
    ConnectionInfo,
    KernelSpawner,
)
from baton.spawner.plan import ServerPlan
from baton.spawner.statefile import StateFile
from baton.spawner.states import ProcessState, change_state
from baton.spawner.workspace_plan import launch_spec, shared_kernel_root

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceRecord:
    """One kernel as its owner sees it.

    Attributes:
        id: its id (random).
        owner: the user who started it.
        definition: the workspace definition it was started from.
        account: the OS user it runs as.
        state: STARTING, RUNNING or STOPPING.
        pid: its process id (on its host).
        created: when it was started (UTC).
        last_activity: when it was last busy (or started, or re-adopted).
        execution_state: what the kernel last published: ``idle``, ``busy``, ``starting``.
        connection: what a Jupyter client needs: ``ip``, the five ports, ``key``,
            ``transport``, ``signature_scheme``, ``kernel_name``.
        host: the host whose spawner runs it (None: the control plane's own).
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
    host: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The wire form a host's spawner sends the control plane."""
        body = dataclasses.asdict(self)
        body |= {"state": str(self.state), "created": self.created.isoformat()}
        return body | {"last_activity": self.last_activity.isoformat()}

    @classmethod
    def from_json(cls, body: Any) -> WorkspaceRecord:
        """Read the wire form back.

        Raises:
            ValueError: ``body`` is not one.
        """
        try:
            pid = body["pid"]
            connection = {str(k): v for k, v in dict(body["connection"]).items()}
            return cls(
                id=str(body["id"]),
                owner=str(body["owner"]),
                definition=str(body["definition"]),
                account=str(body["account"]),
                state=ProcessState(body["state"]),
                pid=int(pid) if pid is not None else None,
                created=datetime.fromisoformat(str(body["created"])),
                last_activity=datetime.fromisoformat(str(body["last_activity"])),
                execution_state=str(body["execution_state"]),
                connection={k: v for k, v in connection.items() if isinstance(v, str | int)},
                host=str(body["host"]) if body.get("host") is not None else None,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a workspace: {exc}") from exc


#: Told of a kernel that the culler stopped or found ended: (its record, the audit action
#: ``workspace.cull`` or ``workspace.exit``, why).
Ended = Callable[[WorkspaceRecord, str, str], Awaitable[None]]


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


async def _nobody_told(record: WorkspaceRecord, action: str, problem: str) -> None:
    return None


class Kernels:
    """The kernels of one host's spawner.

    Use as ``await kernels.open()`` ... ``await kernels.aclose()``. Each call that names a
    kernel takes the caller's user id as ``owner_id``: another user's kernel is
    :class:`NotFound`, as if it did not exist (None: any, for the control plane calling
    another host's spawner, which checked the owner itself).

    Args:
        settings: the installation's settings (``[spawner]``, the state folder).
        store: the state file.
        kernel_root: where other accounts' kernel folders go (default
            :func:`shared_kernel_root`).
        ip: the address kernels listen on (another host's: where clients reach it).
        host: this host's name in the records (None: the control plane).
        on_end: told of each kernel the culler stops or finds ended.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store: Path,
        kernel_root: Path | None = None,
        ip: str = "127.0.0.1",
        host: str | None = None,
        on_end: Ended = _nobody_told,
    ) -> None:
        self.settings = settings
        self.kernel_root = kernel_root or shared_kernel_root()
        self.ip, self.host, self.on_end = ip, host, on_end
        self._store = StateFile(store)
        self._own_folder = settings.spawner_state_path / "kernels"
        self._log = settings.home / "logs" / "kernels.log"
        self._kernels: dict[str, _Kernel] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._culler: asyncio.Task[None] | None = None
        self._closed = False

    # --- life -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Re-adopt the kernels a previous spawner left running; start the culler."""
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

    def check_open(self) -> None:
        """Raise :class:`SpawnFailed` once closing."""
        if self._closed:
            raise SpawnFailed("workspace", "the spawner is closing")

    # --- what users do ----------------------------------------------------------------------

    async def launch(
        self, plan: ServerPlan, account: Account, *, owner: str, owner_id: int
    ) -> WorkspaceRecord:
        """Start a kernel of ``plan`` as ``account`` for user ``owner``; it once it runs.

        Raises:
            Conflict: the plan cannot start kernels (no ``{connection_file}``, no such
                program), or ``owner`` already has its ``pool.max_servers`` kernels here.
            LaunchRefused: ``account`` may not run the plan's program.
            SpawnError: the kernel did not start (it exited, or did not answer in time).
        """
        self.check_open()
        kernel_id = secrets.token_hex(8)
        spec, folder = launch_spec(
            kernel_id, plan, account, own_folder=self._own_folder, shared_root=self.kernel_root
        )
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
            owner=owner,
            definition=plan.definition,
            account=account.name,
            idle_timeout=plan.pool.idle_timeout,
            spawner=KernelSpawner(spec, folder, log=self._log, ip=self.ip),
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
        logger.info("workspace %s of %s: pid %s as %s", kernel.id, owner, pid, account.name)
        return self._record(kernel)

    def records(self, owner_id: int | None = None) -> list[WorkspaceRecord]:
        """The kernels of ``owner_id`` (None: all), oldest first; a kernel is listed once it
        has its connection info (a moment after its start began)."""
        own = [
            k
            for k in self._kernels.values()
            if owner_id in (None, k.owner_id) and k.spawner.connection_info is not None
        ]
        return [self._record(k) for k in sorted(own, key=lambda k: k.created)]

    def get(self, kernel_id: str, owner_id: int | None = None) -> WorkspaceRecord:
        """One kernel (:class:`NotFound` for another user's)."""
        return self._record(self._own(kernel_id, owner_id))

    def has(self, kernel_id: str) -> bool:
        """Whether a kernel of that id runs here (whoever its owner)."""
        return kernel_id in self._kernels

    async def stop(
        self, kernel_id: str, owner_id: int | None = None
    ) -> tuple[WorkspaceRecord, bool]:
        """Stop a kernel; returns once its process is gone, with its record and whether this
        call stopped it (False: another call was already stopping it).

        Raises:
            NotFound: no kernel of that id (of ``owner_id``).
            Conflict: it is still starting.
        """
        kernel = self._own(kernel_id, owner_id)
        if kernel.state is ProcessState.STARTING:
            raise Conflict(f"workspace {kernel_id!r} is still starting; stop it once it runs")
        record, first = self._record(kernel), kernel.stopping is None
        await asyncio.shield(self._stop(kernel, self.settings.spawner.stop_grace))
        return record, first

    async def execute(
        self, kernel_id: str, code: str, timeout: float, owner_id: int | None = None
    ) -> Execution:
        """Run ``code`` in a kernel (:func:`baton.spawner.console.execute`); what it gave.

        Raises:
            NotFound: no kernel of that id (of ``owner_id``).
            Conflict: it is not running (starting, stopping, or it ended).
        """
        kernel = self._own(kernel_id, owner_id)
        what = f"workspace {kernel_id!r}"
        info = kernel.spawner.connection_info
        if kernel.state is not ProcessState.RUNNING or info is None:
            raise Conflict(f"{what} is not running (it is {kernel.state.value.lower()})")
        if kernel.spawner.poll() is not None:
            raise Conflict(f"{what} is not running (it ended)")

        def alive() -> bool:
            return kernel.spawner.poll() is None and kernel.state is ProcessState.RUNNING

        return await console.execute(info, code, timeout, alive=alive, what=what)

    def _own(self, kernel_id: str, owner_id: int | None) -> _Kernel:
        kernel = self._kernels.get(kernel_id)
        if kernel is None or owner_id not in (None, kernel.owner_id):
            raise NotFound("workspace", kernel_id)  # another user's is not revealed
        if kernel.spawner.connection_info is None:
            raise NotFound("workspace", kernel_id)  # not listed yet either (see records())
        return kernel

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
            host=self.host,
        )

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
                self._tell("workspace.exit", kernel, f"it exited with {status}")
                self._stop(kernel, 0.0)
            elif kernel.idle_timeout and idle > kernel.idle_timeout:
                logger.info("workspace %s idle for %.0f s: stopping it", kernel.id, idle)
                self._tell("workspace.cull", kernel, f"idle for {idle:.0f} s")
                self._stop(kernel, self.settings.spawner.stop_grace)

    def _tell(self, action: str, kernel: _Kernel, problem: str) -> None:
        told = self.on_end(self._record(kernel), action, problem)
        self._spawn(told, f"{action} {kernel.id}")

    def _spawn(
        self, work: Coroutine[Any, Any, Any] | Awaitable[Any], name: str
    ) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (problem := task.exception()) is not None:
            logger.error("workspaces: %s failed: %s", task.get_name(), problem)

    # --- saved state -------------------------------------------------------------------------

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
        """Take back the kernels a previous spawner left running."""
        for entry in saved.get("kernels", []):
            try:
                self._readopt_one(entry)
            except (KeyError, TypeError, ValueError) as exc:
                logger.warning("workspaces: cannot re-adopt %r: %s", entry, exc)

    def _readopt_one(self, entry: dict[str, Any]) -> None:
        kernel_id = str(entry["id"])
        spec = LaunchSpec(name=f"workspace {kernel_id}", argv=("-",))
        spawner = KernelSpawner(spec, self._own_folder, ip=self.ip)
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
