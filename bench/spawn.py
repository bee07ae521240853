"""How long the spawner takes to give a client a server that answers, against the floor.

All in one run, on this machine, through the real spawner code:

- floor: ``python3 -S -c pass`` and ``python3 -c pass`` (an interpreter start, without and with
  ``site``), started and waited for;
- fresh application server: a supervisor with no server running is asked for one
  (``Supervisor.acquire``), which starts ``python -m baton.appserver``; timed until the server
  answers PING;
- pooled application server: the same, when an idle server already runs (``start_size`` 1);
- Jupyter kernel: ``KernelSpawner.start()`` until the kernel answered ``kernel_info``;
- servers started per second: a supervisor asked for ``--burst`` servers at once
  (``start_size``), timed until every one answers PING.

    .venv/bin/python bench/spawn.py [--runs 20] [--burst 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baton.loadmanager.connection import ServerConnection
from baton.registry.enums import ServerKind
from baton.registry.specs import PoolSettings
from baton.spawner.kernel import KernelSpawner, kernel_spec
from baton.spawner.plan import ServerPlan
from baton.spawner.states import ProcessState
from baton.spawner.supervisor import Supervisor, SupervisorConfig

COMMAND = ("{python}", "-m", "baton.appserver", "--listen", "tcp:{host}:{port}")


def interpreter(runs: int, *flags: str) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, *flags, "-c", "pass"], check=True)
        samples.append(time.perf_counter() - started)
    return samples


async def ping(address: str) -> None:
    connection = await ServerConnection.open(address)
    try:
        assert await connection.ping(10.0), f"{address} did not answer PING"
    finally:
        await connection.aclose()


def plan(folder: Path, **pool: int | float) -> ServerPlan:
    settings = {"idle_timeout": 0, "start_timeout": 30, "availability_timeout": 60, **pool}
    return ServerPlan(
        definition="bench",
        kind=ServerKind.APPLICATION,
        command=(*COMMAND, "--library", f"t={folder}"),
        pool=PoolSettings.model_validate(settings),
    )


def supervisor(folder: Path) -> Supervisor:
    state = folder / f"state-{time.monotonic_ns()}.json"
    config = SupervisorConfig(state_file=state, tick=0.05, stop_grace=5, log=folder / "servers.log")
    return Supervisor(config)


async def fresh(folder: Path, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        spawner = supervisor(folder)
        await spawner.open([plan(folder, max_servers=1)])
        try:
            started = time.perf_counter()
            lease = await spawner.acquire("bench")
            await ping(lease.address)
            samples.append(time.perf_counter() - started)
        finally:
            await spawner.aclose()
    return samples


async def pooled(folder: Path, runs: int) -> list[float]:
    spawner = supervisor(folder)
    await spawner.open([plan(folder, start_size=1, max_servers=1, max_clients=1)])
    samples = []
    try:
        while not any(s.state is ProcessState.RUNNING for s in spawner.servers()):
            await asyncio.sleep(0.01)
        for _ in range(runs):
            started = time.perf_counter()
            lease = await spawner.acquire("bench")
            await ping(lease.address)
            samples.append(time.perf_counter() - started)
            spawner.release(lease.id)
    finally:
        await spawner.aclose()
    return samples


async def kernels(folder: Path, runs: int) -> list[float]:
    samples = []
    environment = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(folder),
        "IPYTHONDIR": str(folder / "ipython"),
    }
    for run in range(runs):
        spawner = KernelSpawner(kernel_spec(f"kernel {run}", environment), folder / "kernels")
        started = time.perf_counter()
        await spawner.start()
        samples.append(time.perf_counter() - started)
        await spawner.stop(grace=2)
    return samples


async def burst(folder: Path, count: int) -> float:
    spawner = supervisor(folder)
    started = time.perf_counter()
    await spawner.open([plan(folder, start_size=count, max_servers=count)])
    try:
        while sum(s.state is ProcessState.RUNNING for s in spawner.servers()) < count:
            await asyncio.sleep(0.005)
        await asyncio.gather(*(ping(s.address or "") for s in spawner.servers()))
        return count / (time.perf_counter() - started)
    finally:
        await spawner.aclose()


def row(name: str, samples: list[float], floor: float) -> str:
    median = statistics.median(samples)
    p90 = sorted(samples)[int(len(samples) * 0.9) - 1] if len(samples) >= 10 else max(samples)
    return f"| {name} | {median * 1000:.1f} | {p90 * 1000:.1f} | {median / floor:.1f} |"


async def main(runs: int, count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as name:
        folder = Path(name)
        (folder / "hello.py").write_text("print('hello')\n")
        bare = interpreter(runs, "-S")
        full = interpreter(runs)
        floor = statistics.median(full)
        python = platform.python_version()
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {python}")
        print(f"{runs} runs each; ratio: median over `python3 -c pass`\n")
        print("| case | median ms | p90 ms | x floor |")
        print("| --- | ---: | ---: | ---: |")
        print(row("`python3 -S -c pass`", bare, floor))
        print(row("`python3 -c pass`", full, floor))
        print(row("fresh application server (acquire to PING)", await fresh(folder, runs), floor))
        print(row("pooled application server (acquire to PING)", await pooled(folder, runs), floor))
        print(row("Jupyter kernel (start to kernel_info)", await kernels(folder, runs), floor))
        rate = await burst(folder, count)
        print(f"\nservers started per second ({count} at once, until all answer PING): {rate:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burst", type=int, default=8)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.burst))
