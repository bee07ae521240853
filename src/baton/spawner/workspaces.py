"""``Workspaces``: each signed-in user's Jupyter kernels, as the control plane serves them.

A user starts a kernel of a ``workspace`` server definition they may ``run`` (by default the
first enabled one, by name, the control plane's own before those bound to other hosts); the
answer carries the kernel's connection info, with which any Jupyter client connects, and
:meth:`Workspaces.execute` runs code in it for a console. The kernel runs as:

- the OS user of the definition's launch credential, when it has one;
- with ``run_as_client``, the signed-in user's own OS account: only a host-authenticated user
  (``auth_source`` host) has one, whose registry name is the account's name;
- otherwise the spawner's own account (refused when that is root, unless
  ``spawner.allow_root_servers``).

Switching account needs root: a spawner that is not root starts kernels as itself only, and
says so. A definition bound to no host runs its kernels here (:class:`Kernels`); one bound to
hosts has one of their spawners start them (:class:`RemoteKernels`), which resolves the
account among that host's accounts by the same rules, and supervises and culls the kernel.
A user has at most the definition's ``pool.max_servers`` kernels of it; users see, use and
stop only their own kernels: another user's kernel id is not found, whether it exists or not.

Starting, stopping and running code are audited (``workspace.start``, ``workspace.stop``,
``workspace.execute``: who and which kernel, never the code), and so are the kernels culled
or found ended (``workspace.cull``, ``workspace.exit``, actor ``spawner``), here or on the
host that ran them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread

from baton.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    SpawnError,
)
from baton.registry import audit
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome
from baton.settings import Settings
from baton.spawner.console import Execution
from baton.spawner.kernels import Kernels, WorkspaceRecord
from baton.spawner.remote import JoinedHosts
from baton.spawner.remote_kernels import Placed, RemoteKernels
from baton.spawner.workspace_plan import (
    KIND,
    choose_definition,
    kernel_plan,
    launch_inputs,
    shared_kernel_root,
)

__all__ = ["CULLER", "WorkspaceRecord", "Workspaces", "shared_kernel_root"]

logger = logging.getLogger(__name__)

#: Who the audit trail names for what the culler does.
CULLER = "spawner"


class Workspaces:
    """Each user's kernels, here and on other hosts.

    Use as ``await workspaces.open()`` ... ``await workspaces.aclose()``.

    Args:
        settings: the installation's settings (``[spawner]``, the state folder, the key ring).
        database: the registry (None: a spawner without one starts no kernel itself; another
            host's spawner uses :attr:`kernels` for the control plane).
        host: the registry name of this host (None: the control plane's own spawner).
        hosts: the other hosts' spawners that joined (None: no kernel runs elsewhere).
        kernel_root: where other accounts' kernel folders go (default
            :func:`shared_kernel_root`).
        kernel_ip: the address this host's kernels listen on.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database | None,
        *,
        host: str | None = None,
        hosts: JoinedHosts | None = None,
        kernel_root: Path | None = None,
        kernel_ip: str = "127.0.0.1",
    ) -> None:
        self.settings = settings
        self.host = host
        self._database = database
        state = settings.spawner_state_path
        #: The kernels this host's spawner runs.
        self.kernels = Kernels(
            settings,
            store=state / f"{host or 'local'}-workspaces.json",
            kernel_root=kernel_root,
            ip=kernel_ip,
            host=host,
            on_end=self._ended,
        )
        #: The kernels other hosts' spawners run for this control plane.
        self.elsewhere: RemoteKernels | None = None
        if hosts is not None and host is None:
            self.elsewhere = RemoteKernels(
                hosts,
                store=state / "workspaces-on-hosts.json",
                stop_grace=settings.spawner.stop_grace,
                on_gone=self._gone,
            )

    async def open(self) -> None:
        """Re-adopt the kernels a previous control plane left running; start the culler."""
        await self.kernels.open()
        if self.elsewhere is not None:
            self.elsewhere.load()

    async def aclose(self) -> None:
        """Stop this host's kernels (other hosts' keep running: their spawners own them)."""
        await self.kernels.aclose()

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
            Conflict: it is disabled, bound to another host (another host's spawner), or
                cannot start kernels (no ``{connection_file}``, no such program); none is
                enabled; or they already have its ``pool.max_servers`` kernels.
            LaunchRefused: the kernel may not run as its account (see the module's notes).
            HostUnavailable: the definition's hosts are away.
            SpawnError: the kernel did not start (it exited, or did not answer in time).
        """
        if user.user_id is None:
            raise PermissionDenied("start", "a workspace")
        self.kernels.check_open()
        elsewhere = self.elsewhere
        choose = partial(
            choose_definition, self._database, host=self.host, elsewhere=elsewhere is not None
        )
        record = await anyio.to_thread.run_sync(choose, user, definition)
        audit_start = partial(
            self._audit, "workspace.start", record.name, actor=user.name, remote_addr=remote_addr
        )
        try:
            if record.hosts and elsewhere is not None:
                read = partial(launch_inputs, self._database, self.settings)
                inputs = await anyio.to_thread.run_sync(read, user, record)
                started = await elsewhere.start(
                    record, inputs, owner=user.name, owner_id=user.user_id
                )
            else:
                resolve = partial(kernel_plan, self._database, self.settings)
                plan, account = await anyio.to_thread.run_sync(resolve, user, record)
                started = await self.kernels.launch(
                    plan, account, owner=user.name, owner_id=user.user_id
                )
        except SpawnError as exc:
            await audit_start(outcome=AuditOutcome.FAILED, detail={"problem": exc.detail})
            raise
        await audit_start(detail=_detail(started))
        return started

    async def list(self, user: Principal) -> list[WorkspaceRecord]:
        """``user``'s kernels, oldest first (those on a host that is away are left out)."""
        found = self.kernels.records(user.user_id) if user.user_id is not None else []
        if self.elsewhere is not None and user.user_id is not None:
            found += await self.elsewhere.records(user.user_id)
        return sorted(found, key=lambda record: record.created)

    async def get(self, user: Principal, workspace_id: str) -> WorkspaceRecord:
        """One of ``user``'s kernels (:class:`NotFound` for anyone else's).

        Raises:
            HostUnavailable: the host that runs it is away.
        """
        if self.kernels.has(workspace_id):
            return self.kernels.get(workspace_id, _owner(user, workspace_id))
        elsewhere, placed = self._placed(user, workspace_id)
        return await elsewhere.get(placed)

    async def stop(self, user: Principal, workspace_id: str, *, remote_addr: str = "") -> None:
        """Stop one of ``user``'s kernels; returns once its process is gone.

        Raises:
            NotFound: ``user`` has no kernel of that id.
            Conflict: it is still starting.
            HostUnavailable: the host that runs it is away.
        """
        target: WorkspaceRecord | Placed
        if self.kernels.has(workspace_id):
            target, first = await self.kernels.stop(workspace_id, _owner(user, workspace_id))
        else:
            elsewhere, target = self._placed(user, workspace_id)
            await elsewhere.stop(target)
            first = True
        if first:
            await self._audit(
                "workspace.stop",
                target.definition,
                actor=user.name,
                remote_addr=remote_addr,
                detail=_detail(target),
            )

    async def execute(
        self,
        user: Principal,
        workspace_id: str,
        code: str,
        timeout: float,
        *,
        remote_addr: str = "",
    ) -> Execution:
        """Run ``code`` in one of ``user``'s kernels, for at most ``timeout`` seconds (then
        the kernel is interrupted); what it gave (:mod:`baton.spawner.console`).

        Raises:
            NotFound: ``user`` has no kernel of that id.
            Conflict: it is not running (starting, stopping, or it ended).
            HostUnavailable: the host that runs it is away.
        """
        target: WorkspaceRecord | Placed
        run: Callable[[], Awaitable[Execution]]
        if self.kernels.has(workspace_id):
            target = self.kernels.get(workspace_id, _owner(user, workspace_id))
            run = partial(
                self.kernels.execute, workspace_id, code, timeout, _owner(user, workspace_id)
            )
        else:
            elsewhere, target = self._placed(user, workspace_id)
            run = partial(elsewhere.execute, target, code, timeout)
        executed = partial(
            self._audit,
            "workspace.execute",
            target.definition,
            actor=user.name,
            remote_addr=remote_addr,
        )
        try:
            execution = await run()
        except (Conflict, SpawnError) as exc:
            failed = _detail(target) | {"problem": exc.detail}
            await executed(outcome=AuditOutcome.FAILED, detail=failed)
            raise
        await executed(detail=_detail(target) | {"status": str(execution.status)})
        return execution

    async def ended_elsewhere(self, host: str, kernel_id: str, action: str, problem: str) -> bool:
        """Host ``host``'s spawner culled, or found ended, one of its kernels: forget and audit
        it (``action``: ``workspace.cull`` or ``workspace.exit``); whether it was known."""
        placed = self.elsewhere.forget(host, kernel_id) if self.elsewhere is not None else None
        if placed is None:
            return False
        await self._audit(action, placed.definition, detail=_detail(placed) | {"problem": problem})
        return True

    def _placed(self, user: Principal, workspace_id: str) -> tuple[RemoteKernels, Placed]:
        placed = self.elsewhere.find(workspace_id, user.user_id) if self.elsewhere else None
        if self.elsewhere is None or placed is None:
            raise NotFound("workspace", workspace_id)  # another user's is not revealed
        return self.elsewhere, placed

    # --- records -----------------------------------------------------------------------------

    async def _ended(self, record: WorkspaceRecord, action: str, problem: str) -> None:
        await self._audit(action, record.definition, detail=_detail(record) | {"problem": problem})

    async def _gone(self, placed: Placed, problem: str) -> None:
        detail = _detail(placed) | {"problem": problem}
        await self._audit("workspace.exit", placed.definition, detail=detail)

    async def _audit(
        self,
        action: str,
        definition: str,
        *,
        actor: str = CULLER,
        outcome: AuditOutcome = AuditOutcome.OK,
        remote_addr: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        database = self._database
        if database is None:
            return

        def write() -> None:
            with database.session() as session:
                audit.record(
                    session,
                    action,
                    actor=actor,
                    resource=f"{KIND}:{definition}",
                    outcome=outcome,
                    remote_addr=remote_addr,
                    detail=detail,
                )

        await anyio.to_thread.run_sync(write)


def _owner(user: Principal, workspace_id: str) -> int:
    """The user's registry id (a principal without one owns no kernel)."""
    if user.user_id is None:
        raise NotFound("workspace", workspace_id)
    return user.user_id


def _detail(kernel: WorkspaceRecord | Placed) -> dict[str, Any]:
    """What the audit trail says of a kernel (never its key)."""
    detail: dict[str, Any] = {
        "workspace": kernel.id,
        "owner": kernel.owner,
        "account": kernel.account,
        "pid": kernel.pid,
    }
    if kernel.host is not None:
        detail["host"] = kernel.host
    return detail
