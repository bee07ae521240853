"""A real application server's life: Unix sockets, the PROGRAMS limit, SIGTERM."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from baton.protocol import frames
from tests.appserver.serverprocess import Client, ServerProcess, body, wait_for_async

pytestmark = pytest.mark.anyio


async def _start_gated(server: ServerProcess, folder: Path, name: str) -> Client:
    client = await server.connect()
    fields = (("folder", str(folder)), ("name", name))
    await client.send(frames.Request(f"r-{name}", "t.gated", fields=fields))
    return client


async def test_serves_over_a_unix_socket(library: Path, tmp_path: Path) -> None:
    socket = tmp_path / "s.sock"
    server = ServerProcess.start(library, tmp_path / "server.log", f"unix:{socket}")
    try:
        assert server.address == f"unix:{socket}"
        client = await server.connect()
        try:
            answer = await client.run("t.hello", ("name", "Unix"))
            await client.ping()
        finally:
            await client.aclose()
        assert json.loads(body(answer)) == {"greeting": "Hello, Unix!"}
    finally:
        assert server.stop() == 0
    assert not socket.exists()


async def test_at_most_n_programs_run_at_once(server: ServerProcess, tmp_path: Path) -> None:
    """With --programs 2, a third request waits for a slot, then runs; none sees another's."""
    monitor = await server.connect()
    clients = [await _start_gated(server, tmp_path, name) for name in ("a", "b")]
    try:

        async def both_running() -> bool:
            return (await monitor.status()).active == 2

        await wait_for_async(both_running, "two programs to run")
        clients.append(await _start_gated(server, tmp_path, "c"))
        for client in clients[:2]:
            assert isinstance(await client.receive(), frames.Head)
        status = await monitor.status()
        assert (status.capacity, status.active) == (2, 2)
        assert not (tmp_path / "started-c").exists()  # it waits: no slot is free
        (tmp_path / "gate-a").touch()
        first = await clients[0].until_final()
        assert body(first) == b"first line\nsecond line a\n"
        third = await clients[2].until_final_after_gate(tmp_path / "gate-c")
        (tmp_path / "gate-b").touch()
        second = await clients[1].until_final()
        assert body(second) == b"first line\nsecond line b\n"
        assert body(third) == b"first line\nsecond line c\n"
        end = third[-1]
        assert isinstance(end, frames.End) and end.timings["queued"] > 0
        assert (await monitor.status()).served >= 3
    finally:
        for client in [monitor, *clients]:
            await client.aclose()


async def test_sigterm_lets_the_active_request_finish(
    server: ServerProcess, tmp_path: Path
) -> None:
    client = await _start_gated(server, tmp_path, "t")
    try:
        assert isinstance(await client.receive(), frames.Head)
        assert await client.receive() == frames.Data(b"first line\n")
        server.process.send_signal(signal.SIGTERM)
        (tmp_path / "gate-t").touch()
        rest = await client.until_final()
        assert body(rest) == b"second line t\n"
        assert isinstance(rest[-1], frames.End)
    finally:
        await client.aclose()
    assert server.process.wait(10) == 0
