"""The spawner's saved state: one JSON file, replaced atomically, readable by its owner only.

It holds what a restarted spawner needs to re-adopt its servers (each server's spawner state,
its definition, port, token and use count) and the definitions an operator must reset. A
crash while saving leaves the previous file whole: the new one is written beside it, synced,
then renamed over it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from baton.spawner.managed import DefinitionRun
from baton.spawner.states import HAS_PROCESS

logger = logging.getLogger(__name__)

#: The layout's version; a file of another version is ignored (and said so in the log).
VERSION = 1


class StateFile:
    """The state file at ``path`` (its folder is created with mode 0700)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any]:
        """The saved state, or an empty one when there is none or it cannot be read."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable spawner state %s: %s", self.path, exc)
            return {}
        if not isinstance(data, dict) or data.get("version") != VERSION:
            logger.warning("ignoring spawner state %s of another version", self.path)
            return {}
        return data

    def save(self, state: dict[str, Any]) -> None:
        """Replace the saved state with ``state``."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(self.path.name + ".tmp")
        text = json.dumps({"version": VERSION, **state}, indent=1, sort_keys=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise


def describe(runs: Iterable[DefinitionRun]) -> dict[str, Any]:
    """What is saved of ``runs``: each server with a process, FAILED marks, id counters."""
    servers = []
    failed, counters = {}, {}
    for run in runs:
        name = run.plan.key
        counters[name] = run.counter
        if run.failed:
            failed[name] = run.failed
        for server in run.servers.values():
            if server.state not in HAS_PROCESS or server.spawner is None:
                continue
            if server.spawner.pid is None:
                continue
            servers.append(
                {
                    "id": server.id,
                    "definition": name,
                    "plan": server.plan.fingerprint(),
                    "state": str(server.state),
                    "port": server.port,
                    "token": server.token,
                    "key": server.key,
                    "uses": server.uses,
                    "started_at": server.started_at,
                    "draining": server.draining,
                    "spawner": server.spawner.get_state(),
                }
            )
    return {"servers": servers, "failed": failed, "counters": counters}
