"""What a launch server costs to get: a cold start against the zygote, with and without a spare.

Three ways to get an application server listening on a Unix socket, timed from the ask to the
moment it listens:

- cold: start ``python -m baton.appserver --once`` and read its ``listening`` line;
- zygote, ``--spare 0``: ``FORK`` -> ``READY`` when the zygote forks on demand;
- zygote, ``--spare 1``: ``FORK`` -> ``READY`` when a spare is waiting (the bench waits for the
  replacement to listen before the next FORK).

Each forked server is sent SIGTERM once timed, so it exits without a request.

    .venv/bin/python bench/bench_zygote.py [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baton.appserver.zygote import fork_server


def cold(folder: Path, runs: int) -> list[float]:
    samples = []
    for run in range(runs):
        socket = folder / f"cold-{run}.sock"
        command = [sys.executable, "-m", "baton.appserver", "--listen", f"unix:{socket}"]
        command += ["--library", f"t={folder}", "--once"]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert process.stdout is not None
        line = process.stdout.readline()
        samples.append(time.perf_counter() - started)
        assert line.startswith(b"listening "), line
        process.terminate()
        process.wait()
        process.stdout.close()
    return samples


def sockets_listening(folder: Path) -> int:
    return sum(1 for path in folder.iterdir() if path.is_socket())


async def forked(folder: Path, runs: int, spare: int) -> list[float]:
    control, sockets = folder / f"zygote-{spare}.sock", folder / f"sockets-{spare}"
    command = [sys.executable, "-m", "baton.appserver.zygote", "--control", str(control)]
    command += ["--sockets", str(sockets), "--library", f"t={folder}", "--spare", str(spare)]
    zygote = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert zygote.stdout is not None
    assert zygote.stdout.readline().startswith(b"listening ")
    samples = []
    try:
        for _ in range(runs):
            limit = time.monotonic() + 10
            while sockets_listening(sockets) < spare and time.monotonic() < limit:
                await asyncio.sleep(0.01)  # the spare forked after the last FORK is listening
            started = time.perf_counter()
            pid, address = await fork_server(control, 10.0)
            samples.append(time.perf_counter() - started)
            os.kill(pid, signal.SIGTERM)
            while Path(address.removeprefix("unix:")).exists():
                await asyncio.sleep(0.01)
    finally:
        zygote.terminate()
        zygote.wait()
        zygote.stdout.close()
    return samples


def row(name: str, samples: list[float], baseline: float) -> str:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    return f"| {name} | {median * 1000:.2f} | {p95 * 1000:.2f} | {median / baseline:.3f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "hello.py").write_text("def main() -> str:\n    return 'hello'\n")
        cold_samples = cold(folder, args.runs)
        no_spare = asyncio.run(forked(folder, args.runs, 0))
        with_spare = asyncio.run(forked(folder, args.runs, 1))
    baseline = statistics.median(cold_samples)
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.runs} runs per case\n")
    print("| case | median ms | p95 ms | x cold start |")
    print("| --- | ---: | ---: | ---: |")
    print(row("cold: python -m baton.appserver until `listening`", cold_samples, baseline))
    print(row("zygote --spare 0: FORK -> READY", no_spare, baseline))
    print(row("zygote --spare 1: FORK -> READY", with_spare, baseline))


if __name__ == "__main__":
    main()
