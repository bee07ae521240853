"""The load manager's live state as data: for the API, the CLI and the status file.

``baton serve`` writes :func:`dispatcher_status` to ``BATON_HOME/run/dispatcher.json`` every
second (mode 0600, replaced atomically), so that ``baton services`` on the same machine shows
the servers without credentials for the API: reading the file takes the same access to the
home as reading the registry does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from baton.loadmanager.manager import LoadManager
from baton.loadmanager.pool import ServicePool

logger = logging.getLogger(__name__)

#: The status file, in the run folder.
STATUS_FILE = "dispatcher.json"
#: Seconds between two writes of the status file.
WRITE_INTERVAL = 1.0


class ServerStatus(BaseModel):
    """One server of a service, now."""

    server_id: str
    address: str
    pid: int | None
    state: str
    active: int
    capacity: int
    served: int
    sessions: int
    uptime: float
    requests: int
    longest: float
    average: float
    waited_percent: float
    average_wait: float


class ServiceStatus(BaseModel):
    """One service's pool, now."""

    service: str
    kind: str
    queue: int
    stopping: bool
    min_servers: int
    max_servers: int
    servers: list[ServerStatus]


class DispatcherStatus(BaseModel):
    """Every live pool of a control plane."""

    at: datetime
    pid: int
    services: list[ServiceStatus]


def service_status(name: str, pool: ServicePool) -> ServiceStatus:
    """The pool of service ``name`` as it is now."""
    now = time.monotonic()
    servers = [
        ServerStatus(
            server_id=server.server_id,
            address=server.address or "",
            pid=server.pid,
            state=str(server.state),
            active=server.active,
            capacity=server.capacity,
            served=server.served,
            sessions=len(server.sessions),
            uptime=now - server.started_at,
            requests=server.stats.requests,
            longest=server.stats.longest,
            average=server.stats.average,
            waited_percent=server.stats.waited_percent,
            average_wait=server.stats.average_wait,
        )
        for server in pool.servers
    ]
    return ServiceStatus(
        service=name,
        kind=str(pool.config.kind),
        queue=pool.queue_length,
        stopping=pool.stopping,
        min_servers=pool.minimum,
        max_servers=pool.maximum,
        servers=servers,
    )


def dispatcher_status(manager: LoadManager) -> DispatcherStatus:
    """The pools of ``manager`` as they are now."""
    services = [service_status(name, pool) for name, pool in sorted(manager.pools().items())]
    return DispatcherStatus(at=datetime.now(UTC), pid=os.getpid(), services=services)


def write_status(path: Path, status: DispatcherStatus) -> None:
    """Replace the status file at ``path`` with ``status`` (atomically, mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(status.model_dump_json())
    os.replace(partial, path)


def read_status(path: Path, *, max_age: float = 5.0) -> DispatcherStatus | None:
    """The status at ``path`` if a control plane wrote it in the last ``max_age`` seconds."""
    try:
        status = DispatcherStatus.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None
    age = (datetime.now(UTC) - status.at).total_seconds()
    return status if age <= max_age else None


async def keep_writing(manager: LoadManager, path: Path) -> None:
    """Write the status file every :data:`WRITE_INTERVAL` seconds until cancelled."""
    try:
        while True:
            try:
                write_status(path, dispatcher_status(manager))
            except OSError as exc:
                logger.warning("cannot write %s: %s", path, exc)
            await asyncio.sleep(WRITE_INTERVAL)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
