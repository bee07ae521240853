"""The Application Dispatcher's throughput and latency against its baselines, in one run.

Every case is driven by the same load generator (a small asyncio HTTP/1.1 client with
keep-alive connections, ``--concurrency`` at once) asking for the same greeting:

    a. a bare Starlette app returning the text, under uvicorn (the HTTP floor);
    b. the broker, a socket service of 2 application servers (``sample.hello``);
    c. the broker, a pool service (min 0, max 2): cold (its first request starts a server) and warm;
    d. the broker, the launch service (a fresh forked process per request);
    e. a CGI-style baseline: uvicorn starting ``python3 hello.py`` per request.

It also times the frame protocol straight to one application server (no HTTP, no broker), so
that the broker's own latency at p50 is ``b - a - direct`` at concurrency 1. Services are public
(the PUBLIC group may run the sample library) so authentication is not part of the figures.

    .venv/bin/python bench/dispatch.py [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from baton.loadmanager.connection import ServerConnection
from baton.protocol import frames
from baton.registry import access, services
from baton.registry.database import Database
from baton.registry.enums import PUBLIC_GROUP, Action, PrincipalKind, ResourceKind, ServiceKind
from baton.registry.specs import ServiceSettings, ServiceSpec
from baton.settings import load_settings

BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

async def hello(request):
    name = request.query_params.get("name", "world")
    return HTMLResponse(f"<h1>Hello, {name}!</h1>\\n")

app = Starlette(routes=[Route("/hello", hello)])
"""

CGI_APP = """
import asyncio, os, sys
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

SCRIPT = os.environ["HELLO_SCRIPT"]

async def cgi(request):
    env = {"PATH": os.environ["PATH"], "QUERY_STRING": request.url.query, "REQUEST_METHOD": "GET"}
    process = await asyncio.create_subprocess_exec(
        "python3", SCRIPT, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    head, _, body = out.partition(b"\\n\\n")
    return Response(body, media_type="text/html")

app = Starlette(routes=[Route("/cgi-bin/hello.py", cgi)])
"""

CGI_SCRIPT = """
import html, os, urllib.parse
fields = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", ""))
name = fields.get("name", ["world"])[0]
print("Content-Type: text/html\\n")
print(f"<h1>Hello, {html.escape(name)}!</h1>")
"""


@dataclass
class Result:
    case: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One request on a keep-alive connection; the status (the body is read and dropped)."""
    writer.write(request)
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length: int | None = None
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    return status


def warm(result: Result, log: Path) -> None:
    """Stop the benchmark when a case's warm-up has errors (a refused service would otherwise
    spend its queue timeout on every request of the run)."""
    if result.errors:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise SystemExit(f"{result.case}: {result.errors} warm-up requests failed\n{tail}")


async def load(port: int, path: str, requests: int, concurrency: int) -> Result:
    """``requests`` GETs of ``path``, ``concurrency`` connections at once."""
    message = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    latencies: list[float] = []
    errors = 0
    remaining = requests

    async def worker() -> None:
        nonlocal remaining, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                status = await _get(reader, writer, message)
                latencies.append(time.perf_counter() - started)
                errors += status != 200
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(path, requests, time.perf_counter() - began, latencies, errors)


async def direct(address: str, requests: int) -> Result:
    """The frame protocol straight to one server, one request at a time."""
    connection = await ServerConnection.open(address)
    latencies = []
    began = time.perf_counter()
    try:
        for number in range(requests):
            started = time.perf_counter()
            await connection.send(frames.Request(f"r{number}", "sample.hello"))
            while not isinstance(await connection.receive(), frames.End):
                pass
            latencies.append(time.perf_counter() - started)
    finally:
        await connection.aclose()
    return Result("direct", requests, time.perf_counter() - began, latencies, 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@contextmanager
def running(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    try:
        wait_port(port)
        yield
    finally:
        process.terminate()
        process.wait(30)


def prepare(home: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "baton", "init"], env=env, check=True, capture_output=True
    )
    settings = load_settings(home, environ={})
    database = Database(settings.registry_url)
    with database.session() as session:
        access.grant(
            session,
            PrincipalKind.GROUP,
            PUBLIC_GROUP,
            ResourceKind.LIBRARY,
            "sample",
            Action.RUN,
            granted_by="bench",
        )
        common = {"server_definition": "appserver", "libraries": ["sample"], "auth_required": False}
        services.create_service(
            session,
            ServiceSpec(
                name="socket2",
                kind=ServiceKind.SOCKET,
                settings=ServiceSettings(min_servers=2, max_servers=2, programs_per_server=4),
                **common,
            ),
        )
        services.create_service(
            session,
            ServiceSpec(
                name="pool2",
                kind=ServiceKind.POOL,
                settings=ServiceSettings(min_servers=0, max_servers=2, programs_per_server=4),
                **common,
            ),
        )
        services.create_service(
            session,
            ServiceSpec(
                name="launchp",
                kind=ServiceKind.LAUNCH,
                settings=ServiceSettings(max_servers=8),
                **common,
            ),
        )
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--slow-requests", type=int, default=300, help="for launch and CGI")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="baton-bench-"))
    home = folder / "home"
    env = {**os.environ, "BATON_HOME": str(home), "BATON_ADMIN_PASSWORD": "bench-password-1"}
    if os.geteuid() == 0:
        # Servers are never root by default; the benchmark's home is root's alone, so its
        # servers run as root on purpose (launch accounts are not what it measures).
        env["BATON_SPAWNER__ALLOW_ROOT_SERVERS"] = "true"
    prepare(home, env)
    (folder / "bare.py").write_text(BARE_APP)
    (folder / "cgi.py").write_text(CGI_APP)
    (folder / "hello.py").write_text(CGI_SCRIPT)
    baton_port, bare_port, cgi_port = free_port(), free_port(), free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning", "--app-dir", str(folder)]
    results: dict[str, Result] = {}
    cold: list[float] = []
    broker = "/broker?_PROGRAM=sample.hello&name=Ada&_SERVICE="
    try:
        with (
            running(
                [*uvicorn, "--port", str(bare_port), "bare:app"],
                env,
                bare_port,
                folder / "bare.log",
            ),
            running(
                [*uvicorn, "--port", str(cgi_port), "cgi:app"],
                {**env, "HELLO_SCRIPT": str(folder / "hello.py")},
                cgi_port,
                folder / "cgi.log",
            ),
            running(
                [sys.executable, "-m", "baton", "serve", "--port", str(baton_port)],
                env,
                baton_port,
                folder / "serve.log",
            ),
        ):
            run = asyncio.run
            n, c = args.requests, args.concurrency
            warm(run(load(bare_port, "/hello?name=Ada", 200, c)), folder / "bare.log")
            results["a"] = run(load(bare_port, "/hello?name=Ada", n, c))
            results["a1"] = run(load(bare_port, "/hello?name=Ada", n // 2, 1))
            warm(run(load(baton_port, broker + "socket2", 20, 1)), folder / "serve.log")
            run(load(baton_port, broker + "socket2", 200, c))
            results["b"] = run(load(baton_port, broker + "socket2", n, c))
            results["b1"] = run(load(baton_port, broker + "socket2", n // 2, 1))
            for _ in range(3):  # cold: the pool has no server; STOP empties it again
                cold.append(run(load(baton_port, broker + "pool2", 1, 1)).latencies[0])
                stop = "/broker?_PROGRAM=STOP&_SERVICE=pool2"
                subprocess.run(
                    [
                        "curl",
                        "-s",
                        "-u",
                        "admin:bench-password-1",
                        "-o",
                        "/dev/null",
                        f"http://127.0.0.1:{baton_port}{stop}",
                    ],
                    check=True,
                )
            warm(run(load(baton_port, broker + "pool2", 200, c)), folder / "serve.log")
            results["c"] = run(load(baton_port, broker + "pool2", n, c))
            warm(run(load(baton_port, broker + "launchp", 20, c)), folder / "serve.log")
            results["d"] = run(load(baton_port, broker + "launchp", args.slow_requests, c))
            results["e"] = run(load(cgi_port, "/cgi-bin/hello.py?name=Ada", args.slow_requests, c))
            # The frame protocol alone, to an application server like the socket service's
            # (started here without a key: the supervisor's servers take only lease holders).
            direct_port = free_port()
            server = [sys.executable, "-m", "baton.appserver", "--listen"]
            server += [f"tcp:127.0.0.1:{direct_port}", "--programs", "4"]
            server += ["--library", f"sample={home / 'programs' / 'sample'}"]
            with running(server, env, direct_port, folder / "direct.log"):
                results["f"] = run(direct(f"tcp:127.0.0.1:{direct_port}", n // 2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(results, cold, args)


def report(results: dict[str, Result], cold: list[float], args: argparse.Namespace) -> None:
    names = {
        "a": "a. bare Starlette app (uvicorn)",
        "b": "b. broker, socket service, 2 servers",
        "c": "c. broker, pool service (warm)",
        "d": "d. broker, launch service",
        "e": "e. CGI: python3 hello.py per request",
        "a1": "a. at concurrency 1",
        "b1": "b. at concurrency 1",
        "f": "frame protocol to one server, concurrency 1",
    }
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"concurrency {args.concurrency}; requests {args.requests} (d, e: {args.slow_requests})")
    print("| case | requests/s | p50 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for key, name in names.items():
        r = results[key]
        print(
            f"| {name} | {r.rps:.0f} | {r.percentile(0.5):.2f} | {r.percentile(0.99):.2f} "
            f"| {r.errors} |"
        )
    print(
        f"| c. pool service, cold (first request starts a server) | - | "
        f"{statistics.median(cold) * 1000:.0f} | {max(cold) * 1000:.0f} | 0 |"
    )
    a, b, d, e = results["a"], results["b"], results["d"], results["e"]
    overhead = results["b1"].percentile(0.5) - results["a1"].percentile(0.5)
    overhead -= results["f"].percentile(0.5)
    print(
        f"\nb/a throughput: {b.rps / a.rps:.2f}   d/e throughput: {d.rps / e.rps:.2f}   "
        f"broker overhead at p50 (b1 - a1 - direct): {overhead:.2f} ms"
    )


if __name__ == "__main__":
    main()
