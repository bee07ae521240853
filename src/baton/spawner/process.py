"""Processes by pid: is one alive, signal it, end it politely then firmly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

from baton.spawner.base import Spawner, SpawnerState

#: Seconds between two looks at a process that is ending.
POLL_INTERVAL = 0.01


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (tells a reused pid from the original)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def signal_group(pid: int, signum: signal.Signals) -> None:
    """Signal the process group ``pid`` leads (the server and what it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def signal_process(pid: int, signum: signal.Signals) -> None:
    """Signal the process ``pid`` alone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


async def terminate(
    pid: int, grace: float, send: Callable[[int, signal.Signals], None] = signal_process
) -> bool:
    """SIGTERM ``pid``, SIGKILL it after ``grace`` seconds; whether it had to be killed.

    Returns once the process is gone (for a process that is not our child: once its parent
    reaped it).
    """
    if grace > 0:  # no grace: SIGKILL alone
        send(pid, signal.SIGTERM)
    loop = asyncio.get_running_loop()
    limit = loop.time() + grace
    while alive(pid) and loop.time() < limit:
        await asyncio.sleep(POLL_INTERVAL)
    if not alive(pid):
        return False
    send(pid, signal.SIGKILL)
    while alive(pid):
        await asyncio.sleep(POLL_INTERVAL)
    return True


class AddressedSpawner(Spawner):
    """A spawner whose state is its process's pid and address.

    It can also watch and stop a process that is not its child (one re-adopted from saved
    state, or forked by a zygote): such a process's exit status belongs to its parent, so
    :meth:`poll_pid` reports 0 once it is gone (``-SIGKILL`` when :meth:`stop_pid` killed it).
    """

    address: str | None = None
    _status: int | None = None

    def poll_pid(self) -> int | None:
        """None while the process ``pid`` runs, else its status as far as it is known here."""
        if self.pid is None or self._status is not None:
            return self._status
        if alive(self.pid):
            return None
        self._status = 0
        return self._status

    async def stop_pid(
        self, grace: float, send: Callable[[int, signal.Signals], None] = signal_process
    ) -> int | None:
        """End the process ``pid`` (SIGTERM, then SIGKILL after ``grace`` s); its status."""
        if self.pid is None or self.poll_pid() is not None:
            return self._status
        if await terminate(self.pid, grace, send):
            self._status = -signal.SIGKILL
        return self.poll_pid()

    def get_state(self) -> SpawnerState:
        started = start_ticks(self.pid) if self.pid is not None else None
        return {"pid": self.pid, "address": self.address, "started": started}

    def load_state(self, state: SpawnerState) -> None:
        pid, address, started = state.get("pid"), state.get("address"), state.get("started")
        self.pid = pid if isinstance(pid, int) else None
        self.address = address if isinstance(address, str) else None
        if self.pid is not None and isinstance(started, int) and start_ticks(self.pid) != started:
            self._status = 0  # that pid is another process now: ours is gone
