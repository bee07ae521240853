"""``RemoteKernels``: the kernels this control plane had other hosts' spawners start.

A workspace definition bound to hosts runs its kernels there. :meth:`RemoteKernels.start`
picks the live host among the definition's hosts that runs the fewest of this control plane's
kernels (ties: the definition's order) and asks its spawner to start one for the user
(``POST /v1/workspaces`` with the call secret, as leases are asked for), sending the definition
and what the registry says of the account (:class:`~baton.spawner.workspace_plan.LaunchInputs`):
the host resolves the account among its own, as the control plane does for its kernels.

That host's spawner supervises, culls and stops the kernel. The control plane keeps which host
runs which kernel of whom (in a state file, without keys: a restarted control plane still
knows them) and asks the host for the rest (state, connection info) whenever a user looks. The
connection's ``ip`` is the host's address, as its spawner joined. A host that has not joined,
is silent or does not answer is :class:`~baton.errors.HostUnavailable` (503) naming it; a kernel
its host no longer runs is forgotten and told to ``on_gone``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from baton.errors import (
    BatonError,
    Conflict,
    HostUnavailable,
    LaunchRefused,
    NotFound,
    SpawnFailed,
    SpawnTimeout,
)
from baton.registry.records import ServerDefinitionRecord
from baton.registry.specs import PoolSettings
from baton.spawner.console import INTERRUPT_GRACE, Execution
from baton.spawner.kernels import WorkspaceRecord
from baton.spawner.remote import JoinedHosts
from baton.spawner.statefile import StateFile
from baton.spawner.workspace_plan import LaunchInputs

logger = logging.getLogger(__name__)

#: Seconds a call to a host's spawner may take beyond the work it asks for.
CALL_MARGIN = 30.0


@dataclass(frozen=True)
class Placed:
    """A kernel that another host's spawner runs for one of this control plane's users.

    Attributes:
        id: the kernel's id (the host's spawner chose it).
        host: the host.
        owner_id: the user's registry id.
        owner: the user's name.
        definition: the workspace definition.
        account: the OS user it runs as on the host.
        pid: its process id on the host.
        created: when it was started (UTC).
    """

    id: str
    host: str
    owner_id: int
    owner: str
    definition: str
    account: str
    pid: int | None
    created: datetime


#: Told of a kernel whose host no longer runs it: (the kernel, why).
Gone = Callable[[Placed, str], Awaitable[None]]


class RemoteKernels:
    """The kernels other hosts' spawners run for this control plane's users.

    Args:
        hosts: the hosts that joined.
        store: the state file of which host runs which kernel.
        stop_grace: seconds a host's spawner may take to stop a kernel (its SIGTERM grace).
        on_gone: told of each kernel found gone from its host.
    """

    def __init__(
        self, hosts: JoinedHosts, *, store: Path, stop_grace: float, on_gone: Gone
    ) -> None:
        self._hosts = hosts
        self._store = StateFile(store)
        self._stop_grace = stop_grace
        self._on_gone = on_gone
        self._placed: dict[str, Placed] = {}
        self._starting: Counter[tuple[int, str]] = Counter()

    def load(self) -> None:
        """Read back which host runs which kernel."""
        for entry in self._store.load().get("kernels", []):
            try:
                placed = Placed(
                    id=str(entry["id"]),
                    host=str(entry["host"]),
                    owner_id=int(entry["owner_id"]),
                    owner=str(entry["owner"]),
                    definition=str(entry["definition"]),
                    account=str(entry["account"]),
                    pid=int(entry["pid"]) if entry.get("pid") is not None else None,
                    created=datetime.fromisoformat(str(entry["created"])),
                )
            except (KeyError, TypeError, ValueError) as exc:
                logger.warning("workspaces: cannot read back %r: %s", entry, exc)
                continue
            self._placed[placed.id] = placed

    def find(self, kernel_id: str, owner_id: int | None) -> Placed | None:
        """The kernel of that id, if it is ``owner_id``'s."""
        placed = self._placed.get(kernel_id)
        return placed if placed is not None and placed.owner_id == owner_id else None

    def forget(self, host: str, kernel_id: str) -> Placed | None:
        """Drop a kernel of ``host`` (it ended there); what was known of it."""
        placed = self._placed.get(kernel_id)
        if placed is None or placed.host != host:
            return None
        del self._placed[kernel_id]
        self._save()
        return placed

    # --- calls to the hosts ------------------------------------------------------------------

    async def start(
        self, record: ServerDefinitionRecord, inputs: LaunchInputs, *, owner: str, owner_id: int
    ) -> WorkspaceRecord:
        """Have a host of ``record`` start a kernel for ``owner``; it once it runs.

        Raises:
            Conflict: ``owner`` has the definition's ``pool.max_servers`` kernels already.
            HostUnavailable: none of its hosts is live, or the one chosen does not answer.
            SpawnError: the host refused the account or the kernel did not start.
        """
        pool = PoolSettings.model_validate(record.pool)
        key = (owner_id, record.name)
        mine = sum(1 for p in self._placed.values() if (p.owner_id, p.definition) == key)
        if mine + self._starting[key] >= pool.max_servers:
            raise Conflict(
                f"you already have {mine + self._starting[key]} kernels of workspace definition "
                f"{record.name!r}, its limit (pool.max_servers); stop one first"
            )
        host = self._choose(record.hosts)
        body = {
            "definition": record.model_dump(mode="json"),
            "credential": list(inputs.credential) if inputs.credential is not None else None,
            "host_user": inputs.host_user,
            "owner": owner,
            "owner_id": owner_id,
        }
        self._starting[key] += 1
        try:
            answer = await self._call(
                host, "POST", "/v1/workspaces", body, pool.start_timeout + CALL_MARGIN
            )
        finally:
            self._starting[key] -= 1
        if answer.status_code != 201:
            raise _refusal(host, answer)
        started = self._located(host, answer.json())
        self._placed[started.id] = Placed(
            id=started.id,
            host=host,
            owner_id=owner_id,
            owner=owner,
            definition=record.name,
            account=started.account,
            pid=started.pid,
            created=started.created,
        )
        self._save()
        return started

    async def records(self, owner_id: int) -> list[WorkspaceRecord]:
        """``owner_id``'s kernels on the hosts that answer (those of a host that is away are
        left out)."""
        hosts = sorted({p.host for p in self._placed.values() if p.owner_id == owner_id})
        found = await asyncio.gather(*(self._records_of(host, owner_id) for host in hosts))
        return [record for records in found for record in records]

    async def _records_of(self, host: str, owner_id: int) -> list[WorkspaceRecord]:
        try:
            answer = await self._call(host, "GET", "/v1/workspaces", None, CALL_MARGIN)
            if answer.status_code != 200:
                raise _refusal(host, answer)
            running = {item["id"]: item for item in answer.json()}
        except (BatonError, ValueError, KeyError, TypeError) as exc:
            logger.warning("workspaces: host %s left out of a list: %s", host, exc)
            return []
        records = []
        for placed in [
            p for p in self._placed.values() if (p.host, p.owner_id) == (host, owner_id)
        ]:
            if placed.id in running:
                records.append(self._located(host, running[placed.id]))
            else:
                await self._gone(placed)
        return records

    async def get(self, placed: Placed) -> WorkspaceRecord:
        """The kernel as its host shows it.

        Raises:
            NotFound: its host no longer runs it.
            HostUnavailable: its host is away.
        """
        answer = await self._answer(placed, "GET", "", None, CALL_MARGIN)
        return self._located(placed.host, answer.json())

    async def stop(self, placed: Placed) -> None:
        """Have its host stop the kernel; returns once its process is gone.

        Raises:
            NotFound: its host no longer runs it.
            Conflict: it is still starting.
            HostUnavailable: its host is away.
        """
        await self._answer(placed, "DELETE", "", None, self._stop_grace + CALL_MARGIN)
        self.forget(placed.host, placed.id)

    async def execute(self, placed: Placed, code: str, timeout: float) -> Execution:
        """Have its host run ``code`` in the kernel (:func:`baton.spawner.console.execute`).

        Raises:
            NotFound: its host no longer runs it.
            Conflict: it is not running.
            HostUnavailable: its host is away.
        """
        body = {"code": code, "timeout": timeout}
        wait = timeout + INTERRUPT_GRACE + CALL_MARGIN
        answer = await self._answer(placed, "POST", "/execute", body, wait)
        try:
            return Execution.from_json(answer.json())
        except ValueError as exc:
            problem = f"its answer is not an execution: {exc}"
            raise SpawnFailed(f"host {placed.host!r}", problem) from exc

    async def _answer(
        self, placed: Placed, method: str, path: str, body: Any, timeout: float
    ) -> httpx.Response:
        """The host's successful answer about ``placed`` (``/v1/workspaces/ID`` + ``path``)."""
        url = f"/v1/workspaces/{placed.id}{path}"
        answer = await self._call(placed.host, method, url, body, timeout)
        if answer.status_code == 404:
            await self._gone(placed)
            raise NotFound("workspace", placed.id)
        if answer.status_code >= 300:
            raise _refusal(placed.host, answer)
        return answer

    async def _gone(self, placed: Placed) -> None:
        if self.forget(placed.host, placed.id) is not None:
            await self._on_gone(placed, f"host {placed.host!r} no longer runs it")

    async def _call(
        self, host: str, method: str, path: str, body: Any, timeout: float
    ) -> httpx.Response:
        """One call to ``host``'s spawner, with the secret it joined with.

        Raises:
            HostUnavailable: it has not joined, is silent, or did not answer.
        """
        try:
            joined = self._hosts.get(host)
        except SpawnFailed as exc:
            raise HostUnavailable(host, exc.problem) from exc
        headers = {"Authorization": f"Bearer {joined.secret}"}
        try:
            async with httpx.AsyncClient(headers=headers, timeout=timeout) as client:
                return await client.request(method, f"{joined.url}{path}", json=body)
        except httpx.HTTPError as exc:
            problem = str(exc) or type(exc).__name__
            raise HostUnavailable(host, f"its spawner did not answer: {problem}") from exc

    def _choose(self, hosts: Sequence[str]) -> str:
        """The live host of ``hosts`` running the fewest of these kernels (ties: the first)."""
        live: list[str] = []
        away: dict[str, str] = {}
        for name in hosts:
            try:
                self._hosts.get(name)
            except SpawnFailed as exc:
                away[name] = exc.problem
            else:
                live.append(name)
        if not live:
            if len(away) == 1:
                [(name, problem)] = away.items()
                raise HostUnavailable(name, problem)
            reasons = "; ".join(f"{name}: {problem}" for name, problem in away.items())
            raise HostUnavailable(tuple(away), reasons)
        running = Counter(placed.host for placed in self._placed.values())
        return min(live, key=lambda name: (running[name], live.index(name)))

    def _located(self, host: str, body: Any) -> WorkspaceRecord:
        """A host's record of a kernel, with its host and the host's address as ``ip``."""
        record = WorkspaceRecord.from_json(body)
        connection = dict(record.connection)
        # A host gone silent this instant: the kernel's own address stays.
        with contextlib.suppress(SpawnFailed, KeyError):
            connection["ip"] = urlsplit(self._hosts.get(host).url).hostname or connection["ip"]
        return dataclasses.replace(record, connection=connection, host=host)

    def _save(self) -> None:
        kernels = [
            {**dataclasses.asdict(placed), "created": placed.created.isoformat()}
            for placed in self._placed.values()
        ]
        try:
            self._store.save({"kernels": kernels})
        except OSError as exc:
            logger.error("workspaces: cannot save %s: %s", self._store.path, exc)


def _refusal(host: str, answer: httpx.Response) -> BatonError:
    """The error a host's spawner answered with, as this side's error."""
    try:
        body = answer.json()
        code, detail = str(body.get("error", "")), str(body.get("detail", ""))
        fields = body.get("fields") or {}
    except (ValueError, AttributeError):
        code, detail, fields = "", f"HTTP {answer.status_code}", {}
    what = f"{fields.get('what', 'a kernel')} on host {host!r}"
    if code == "conflict":
        return Conflict(detail)
    if code == "launch_refused":
        return LaunchRefused(str(fields.get("account", "?")), str(fields.get("problem", detail)))
    if code == "spawn_timeout":
        return SpawnTimeout(what, float(fields.get("seconds", 0)))
    if code == "unauthenticated":
        return HostUnavailable(host, "its spawner refused the call secret (it joins again soon)")
    return SpawnFailed(what, str(fields.get("problem", detail)) or f"HTTP {answer.status_code}")
