"""A spawner host in its own process, for the re-adoption tests: ``python -m tests.spawner.host
STATE_FILE PLAN_JSON``.

It supervises the one plan given as JSON (``start_size`` servers), prints ``ready`` and the
servers' pids as JSON once they all run, and stops them on SIGTERM (a ``kill -9`` leaves them
running for the next host to re-adopt).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

from baton.registry.enums import ServerKind
from baton.registry.specs import PoolSettings
from baton.spawner.plan import ServerPlan
from baton.spawner.states import ProcessState
from baton.spawner.supervisor import Supervisor, SupervisorConfig


async def main(state_file: Path, description: dict[str, object]) -> None:
    plan = ServerPlan(
        definition=str(description["definition"]),
        kind=ServerKind.APPLICATION,
        command=tuple(str(argument) for argument in description["command"]),  # type: ignore[attr-defined]
        pool=PoolSettings.model_validate(description["pool"]),
    )
    supervisor = Supervisor(SupervisorConfig(state_file=state_file, tick=0.05, stop_grace=5))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await supervisor.open([plan])
    try:
        while True:
            servers = supervisor.servers()
            if len(servers) >= plan.pool.start_size and all(
                server.state is ProcessState.RUNNING for server in servers
            ):
                break
            await asyncio.sleep(0.02)
        pids = {server.id: server.pid for server in servers}
        print("ready " + json.dumps(pids), flush=True)
        await stop.wait()
    finally:
        await supervisor.aclose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), json.loads(sys.argv[2])))
