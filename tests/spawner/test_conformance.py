"""The contract of :class:`baton.spawner.base.Spawner`, run against every backend.

- ``local``: :class:`LocalSpawner` running a real ``python -m baton.appserver``;
- ``fork``: :class:`ForkSpawner` asking a real zygote, itself started by a ``LocalSpawner``;
- ``stub``: :class:`StubSpawner`, the in-memory test double;
- ``kernel``: :class:`KernelSpawner` running a real ipykernel.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest

from baton.errors import SpawnError, SpawnFailed, SpawnTimeout
from baton.loadmanager.connection import ServerConnection
from baton.spawner.base import LaunchSpec, Spawner
from baton.spawner.fork import ForkSpawner
from baton.spawner.kernel import KernelSpawner, kernel_spec
from baton.spawner.local import LocalSpawner
from baton.spawner.stub import StubSpawner
from tests.appserver.serverprocess import PATIENCE, pid_gone, wait_for_async
from tests.spawner.test_kernel import run_code

pytestmark = pytest.mark.anyio

#: How a start fails: the process exits at once, never says it listens, or cannot be executed.
Failure = Literal["exits", "silent", "missing"]
EXPECTED: dict[Failure, type[SpawnError]] = {
    "exits": SpawnFailed,
    "silent": SpawnTimeout,
    "missing": SpawnFailed,
}
#: A start timeout short enough for the suite, long enough for a loaded machine to fork.
SHORT = 0.5


def environment() -> dict[str, str]:
    """What a server needs of the environment (the spawner passes nothing else)."""
    return {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8"}


class Backend(ABC):
    """Makes spawners of one backend, and ends their processes from outside."""

    #: Whether its spawners start real processes.
    real = True

    @abstractmethod
    def spawner(self) -> Spawner:
        """A spawner whose ``start()`` brings a server up."""

    @abstractmethod
    def blank(self) -> Spawner:
        """A new spawner object for the same kind of server, to ``load_state()`` into."""

    @abstractmethod
    def failing(self, how: Failure) -> Spawner:
        """A spawner whose ``start()`` fails ``how``."""

    def end(self, spawner: Spawner) -> None:
        """Make the process end on its own (as if it crashed)."""
        assert spawner.pid is not None
        os.kill(spawner.pid, signal.SIGKILL)

    async def answers(self, spawner: Spawner, address: str) -> bool:
        """Whether the server ``spawner`` started answers at ``address``."""
        return await answers_ping(address)


class LocalBackend(Backend):
    def __init__(self, library: Path) -> None:
        self._library = library

    def _spec(self, *argv: str, start_timeout: float = PATIENCE) -> LaunchSpec:
        return LaunchSpec("conformance", argv, environment(), start_timeout=start_timeout)

    def spawner(self) -> Spawner:
        argv = ("-m", "baton.appserver", "--listen", "tcp:127.0.0.1:0")
        return LocalSpawner(self._spec(sys.executable, *argv, "--library", f"t={self._library}"))

    def blank(self) -> Spawner:
        return LocalSpawner(self._spec(sys.executable, "-c", "pass"))

    def failing(self, how: Failure) -> Spawner:
        if how == "exits":
            return LocalSpawner(self._spec(sys.executable, "-c", "raise SystemExit(3)"))
        if how == "silent":
            code = "import time; print('not ready', flush=True); time.sleep(60)"
            return LocalSpawner(self._spec(sys.executable, "-c", code, start_timeout=SHORT))
        return LocalSpawner(self._spec(str(self._library / "no-such-program")))


class ForkBackend(Backend):
    def __init__(self, control: Path, failed: Path, silent: Path) -> None:
        self._control = control
        self._failed = failed
        self._silent = silent

    def spawner(self) -> Spawner:
        return ForkSpawner(self._control, start_timeout=PATIENCE)

    def blank(self) -> Spawner:
        return ForkSpawner(self._control, start_timeout=PATIENCE)

    def failing(self, how: Failure) -> Spawner:
        control = {"exits": self._failed, "silent": self._silent}.get(how)
        return ForkSpawner(control or self._control.with_name("gone"), start_timeout=SHORT)


class StubBackend(Backend):
    real = False

    def spawner(self) -> Spawner:
        return StubSpawner("tcp:127.0.0.1:9")

    def blank(self) -> Spawner:
        return StubSpawner("tcp:127.0.0.1:1")

    def failing(self, how: Failure) -> Spawner:
        errors: dict[Failure, SpawnError] = {
            "exits": SpawnFailed("stub", "it exited with status 3 first"),
            "silent": SpawnTimeout("stub", SHORT),
            "missing": SpawnFailed("stub", "'nothing' is not an executable"),
        }
        return StubSpawner("tcp:127.0.0.1:9", fail=errors[how])

    def end(self, spawner: Spawner) -> None:
        assert isinstance(spawner, StubSpawner)
        spawner.exit(-signal.SIGKILL)


class KernelBackend(Backend):
    def __init__(self, folder: Path, ipython: Path) -> None:
        self._folder = folder
        self._env = {**environment(), "IPYTHONDIR": str(ipython)}

    def spawner(self) -> Spawner:
        spec = kernel_spec("conformance", self._env, start_timeout=PATIENCE)
        return KernelSpawner(spec, self._folder)

    def blank(self) -> Spawner:
        return self.spawner()

    def failing(self, how: Failure) -> Spawner:
        spec = kernel_spec("conformance", self._env, start_timeout=SHORT)
        argv = {
            "exits": (sys.executable, "-c", "raise SystemExit(3)"),
            "silent": (sys.executable, "-c", "import time; time.sleep(60)"),
            "missing": (str(self._folder / "no-such-program"),),
        }
        return KernelSpawner(replace(spec, argv=argv[how]), self._folder)

    async def answers(self, spawner: Spawner, address: str) -> bool:
        assert isinstance(spawner, KernelSpawner) and spawner.connection_info is not None
        assert address == spawner.address
        return await asyncio.to_thread(run_code, spawner.connection_info, "1 + 1") == "2"


async def _answer_failed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A zygote whose every child dies while starting."""
    await reader.readline()
    writer.write(b"FAILED the server exited while starting (status 1)\n")
    await writer.drain()
    writer.close()
    await writer.wait_closed()


@pytest.fixture(params=["local", "fork", "stub", "kernel"])
async def backend(
    request: pytest.FixtureRequest, library: Path, tmp_path: Path
) -> AsyncIterator[Backend]:
    """Each backend in turn (the fork backend with its zygote running)."""
    if request.param == "local":
        yield LocalBackend(library)
        return
    if request.param == "stub":
        yield StubBackend()
        return
    if request.param == "kernel":
        yield KernelBackend(tmp_path / "kernels", tmp_path / "ipython")
        return
    # Unix socket paths are short: the zygote's folder cannot be a deep pytest folder.
    folder = Path(tempfile.mkdtemp(prefix="baton-spawner-"))
    control = folder / "zygote"
    argv: tuple[str, ...] = (sys.executable, "-m", "baton.appserver.zygote")
    argv += ("--control", str(control), "--sockets", str(folder / "s"))
    argv += ("--library", f"t={library}", "--grace", "2")
    zygote = LocalSpawner(
        LaunchSpec("zygote", argv, environment(), start_timeout=PATIENCE),
        log=tmp_path / "zygote.log",
    )
    failed = await asyncio.start_unix_server(_answer_failed, str(folder / "failed"))
    # Never accepted, never answered: the connection waits in the backlog.
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        silent.bind(str(folder / "silent"))
        silent.listen(8)
        assert await zygote.start() == f"unix:{control}"
        yield ForkBackend(control, folder / "failed", folder / "silent")
    finally:
        silent.close()
        failed.close()
        await failed.wait_closed()
        assert await zygote.stop(grace=PATIENCE) == 0
        shutil.rmtree(folder, ignore_errors=True)


async def answers_ping(address: str) -> bool:
    connection = await ServerConnection.open(address)
    try:
        return await connection.ping(PATIENCE)
    finally:
        await connection.aclose()


async def test_start_returns_the_address_of_a_server_that_runs(backend: Backend) -> None:
    spawner = backend.spawner()
    address = await spawner.start()
    try:
        assert address.startswith(("tcp:", "unix:"))
        assert spawner.poll() is None
        if backend.real:
            assert spawner.pid is not None and not pid_gone(spawner.pid)
            assert await backend.answers(spawner, address)
        assert spawner.poll() is None
    finally:
        status = await spawner.stop(grace=PATIENCE)
    assert status is not None
    assert spawner.poll() == status
    if backend.real:
        assert spawner.pid is not None and pid_gone(spawner.pid)


async def test_stop_is_idempotent(backend: Backend) -> None:
    spawner = backend.spawner()
    await spawner.start()
    status = await spawner.stop(grace=PATIENCE)
    assert status is not None
    assert await spawner.stop(grace=PATIENCE) == status
    assert await spawner.stop(grace=0) == status
    assert spawner.poll() == status


async def test_poll_and_stop_see_a_process_that_ended_on_its_own(backend: Backend) -> None:
    spawner = backend.spawner()
    await spawner.start()
    try:
        backend.end(spawner)

        async def ended() -> bool:
            return spawner.poll() is not None

        await wait_for_async(ended, "poll() to see the process gone")
    finally:
        status = await spawner.stop(grace=PATIENCE)
    assert status is not None and status == spawner.poll()
    assert await spawner.stop() == status


async def test_a_new_spawner_re_adopts_the_process_from_the_saved_state(
    backend: Backend,
) -> None:
    original = backend.spawner()
    address = await original.start()
    try:
        # The state survives a trip through JSON, as a restarted supervisor reads it.
        state = json.loads(json.dumps(original.get_state()))
        adopted = backend.blank()
        adopted.load_state(state)
        assert adopted.pid == original.pid
        assert adopted.poll() is None
        if backend.real:
            assert await backend.answers(adopted, address)
        status = await adopted.stop(grace=PATIENCE)
        assert status is not None and adopted.poll() == status
        if backend.real:
            assert original.pid is not None and pid_gone(original.pid)
        assert await adopted.stop() == status
    finally:
        await original.stop(grace=PATIENCE)


@pytest.mark.parametrize("how", ["exits", "silent", "missing"])
async def test_a_failed_start_raises_and_leaves_no_process(backend: Backend, how: Failure) -> None:
    spawner = backend.failing(how)
    with pytest.raises(EXPECTED[how]):
        await spawner.start()
    if spawner.pid is not None and backend.real:
        assert pid_gone(spawner.pid)
    assert await spawner.stop(grace=0) == spawner.poll()
