"""A real application server in a child process, and a frame client to talk to it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from baton.protocol import frames
from baton.protocol.stream import FrameReader, FrameWriter

#: Seconds any single wait in these tests may take before the test fails.
PATIENCE = 10.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = PATIENCE) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    limit = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > limit:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def pid_gone(pid: int) -> bool:
    """Whether process ``pid`` no longer exists (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state == "Z"


def stop_child(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM ``process``, SIGKILL it if it lingers; close its output; its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.stdout is not None
    process.stdout.close()
    return process.returncode


@dataclass
class ServerProcess:
    """A running ``python -m baton.appserver``.

    Attributes:
        process: the child process (its stdout already read up to the ``listening`` line).
        address: ``tcp:HOST:PORT`` or ``unix:PATH``, as the server printed it.
        log: the file holding the server's standard error.
    """

    process: subprocess.Popen[bytes]
    address: str
    log: Path

    @classmethod
    def start(
        cls,
        library: Path,
        log: Path,
        listen: str = "tcp:127.0.0.1:0",
        *options: str,
        env: Mapping[str, str] | None = None,
    ) -> ServerProcess:
        """Start a server on ``listen`` with ``library`` registered as ``t``; wait until ready.

        ``env`` is added to this process's environment for the server.
        """
        command = [sys.executable, "-m", "baton.appserver", "--listen", listen]
        command += ["--library", f"t={library}", *options]
        environment = {**os.environ, **(env or {})}
        with log.open("wb") as errors:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=errors, env=environment
            )
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        if not line.startswith("listening "):
            process.kill()
            process.wait()
            process.stdout.close()
            raise AssertionError(f"the server did not start: {line!r}\n{log.read_text()}")
        return cls(process, line.split(" ", 1)[1].strip(), log)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it lingers; its exit status once reaped."""
        status = stop_child(self.process)
        assert pid_gone(self.process.pid)
        return status

    async def connect(self) -> Client:
        """A new connection to the server."""
        if self.address.startswith("unix:"):
            reader, writer = await asyncio.open_unix_connection(self.address[5:])
        else:
            host, port = self.address[4:].rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
        return Client(reader, writer)


@dataclass
class ZygoteProcess:
    """A running ``python -m baton.appserver.zygote``.

    Attributes:
        process: the zygote (its stdout already read up to the ``listening`` line).
        control: its control socket.
        sockets: the folder of its children's sockets.
        log: the file holding its standard error (and its children's).
    """

    process: subprocess.Popen[bytes]
    control: Path
    sockets: Path
    log: Path

    @classmethod
    def start(cls, library: Path, folder: Path, *options: str) -> ZygoteProcess:
        """Start a zygote in ``folder`` with ``library`` registered as ``t``; wait until ready."""
        control, sockets, log = folder / "zygote.sock", folder / "sockets", folder / "zygote.log"
        command = [sys.executable, "-m", "baton.appserver.zygote", "--control", str(control)]
        command += ["--sockets", str(sockets), "--library", f"t={library}", *options]
        with log.open("wb") as errors:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        if line != f"listening unix:{control}\n":
            process.kill()
            process.wait()
            process.stdout.close()
            raise AssertionError(f"the zygote did not start: {line!r}\n{log.read_text()}")
        return cls(process, control, sockets, log)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it lingers; its exit status once reaped."""
        return stop_child(self.process)

    async def connect(self, address: str) -> Client:
        """A new connection to the forked server at ``unix:PATH``."""
        assert address.startswith("unix:")
        reader, writer = await asyncio.open_unix_connection(address[5:])
        return Client(reader, writer)


def reaped(pid: int) -> bool:
    """Whether process ``pid`` is gone and reaped (a zombie still has its /proc entry)."""
    return not Path(f"/proc/{pid}").exists()


class Client:
    """One broker-side connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.raw_reader = reader
        self.raw_writer = writer
        self.reader = FrameReader(reader)
        self.writer = FrameWriter(writer)

    async def send(self, frame: frames.Frame) -> None:
        await self.writer.send(frame)

    async def receive(self) -> frames.Frame | None:
        return await asyncio.wait_for(self.reader.receive(), PATIENCE)

    async def until_final(self) -> list[frames.Frame]:
        """Every frame up to and including END or ERROR."""
        received: list[frames.Frame] = []
        while True:
            frame = await self.receive()
            assert frame is not None, f"closed after {received}"
            received.append(frame)
            if isinstance(frame, frames.End | frames.Error):
                return received

    async def until_final_after_gate(self, gate: Path) -> list[frames.Frame]:
        """Wait for the program's first line, open its ``gate`` file, then read to the end."""
        head, data = await self.receive(), await self.receive()
        assert isinstance(head, frames.Head) and data == frames.Data(b"first line\n")
        gate.touch()
        return [head, data, *await self.until_final()]

    async def run(
        self, program: str, *fields: tuple[str, str], deadline: float = 30.0
    ) -> list[frames.Frame]:
        """Send a REQUEST and collect its answer."""
        await self.send(frames.Request("r1", program, fields=fields, deadline=deadline))
        return await self.until_final()

    async def request(
        self,
        program: str,
        *fields: tuple[str, str],
        user: str | None = None,
        session_id: str | None = None,
        env: dict[str, str] | None = None,
    ) -> list[frames.Frame]:
        """Send a REQUEST as ``user`` in session ``session_id`` and collect its answer."""
        request = frames.Request(
            "r1", program, fields=fields, env=env or {}, user=user, session_id=session_id
        )
        await self.send(request)
        return await self.until_final()

    async def status(self) -> frames.StatusReply:
        await self.send(frames.Status())
        reply = await self.receive()
        assert isinstance(reply, frames.StatusReply)
        return reply

    async def ping(self) -> None:
        await self.send(frames.Ping())
        assert await self.receive() == frames.Pong()

    async def aclose(self) -> None:
        await self.writer.aclose()


async def wait_for_async(
    condition: Callable[[], Awaitable[bool]], what: str, timeout: float = PATIENCE
) -> None:
    """Await ``condition()`` until it is true; fail after ``timeout`` seconds."""
    limit = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > limit:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def body(received: list[frames.Frame]) -> bytes:
    """The DATA chunks of an answer, joined."""
    return b"".join(frame.chunk for frame in received if isinstance(frame, frames.Data))


def executable(path: Path, text: str) -> Path:
    """Write a script with the exec bit set."""
    path.write_text(text)
    os.chmod(path, 0o755)
    return path
