"""What :class:`KernelSpawner` does beyond the shared contract: real ipykernels, real clients.

Clients are jupyter_client's ``BlockingKernelClient`` given only ``connection_info``, run in a
worker thread so that the event loop (and the spawner's status watch) keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from queue import Empty
from typing import cast

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.connect import KernelConnectionInfo

from baton.errors import SpawnFailed, SpawnTimeout
from baton.spawner import accounts, kernel
from baton.spawner.accounts import Account
from baton.spawner.kernel import PORTS, ConnectionInfo, KernelSpawner, kernel_spec
from tests.appserver.serverprocess import PATIENCE, pid_gone, wait_for_async

pytestmark = pytest.mark.anyio


def environment(folder: Path) -> dict[str, str]:
    """A kernel's environment: IPython's files in ``folder``, not in the tester's home."""
    path = os.environ.get("PATH", os.defpath)
    return {"PATH": path, "LANG": "C.UTF-8", "IPYTHONDIR": str(folder / "ipython")}


def connect(info: ConnectionInfo, **changes: str) -> BlockingKernelClient:
    """A client of the kernel ``info`` describes (with ``changes`` to it)."""
    client = BlockingKernelClient()
    client.load_connection_info(cast(KernelConnectionInfo, {**info, **changes}))
    client.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
    return client


def join_iopub(client: BlockingKernelClient) -> None:
    """Return once the client's IOPub subscription is in effect.

    Not by waiting for ``iopub_welcome``: ipykernel sends it to the first subscriber to all
    topics only. Any message on IOPub will do, and a ``kernel_info`` request causes some.
    """
    limit = time.monotonic() + PATIENCE
    while time.monotonic() < limit:
        client.kernel_info()
        with contextlib.suppress(Empty):
            client.iopub_channel.get_msg(timeout=0.2)
            return
    raise AssertionError("the client never heard from the kernel's IOPub")


def run_code(info: ConnectionInfo, code: str) -> str:
    """Run ``code`` in the kernel; what it printed and the value of its last expression."""
    client = connect(info)
    try:
        join_iopub(client)
        msg_id = client.execute(code)
        output: list[str] = []
        while True:
            message = client.iopub_channel.get_msg(timeout=PATIENCE)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                output.append(content["text"])
            elif kind == "execute_result":
                output.append(content["data"]["text/plain"])
            elif kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(output)
    finally:
        client.stop_channels()


async def run(info: ConnectionInfo | None, code: str) -> str:
    assert info is not None
    return await asyncio.to_thread(run_code, info, code)


async def until(condition: Callable[[], bool], what: str) -> None:
    async def holds() -> bool:
        return condition()

    await wait_for_async(holds, what)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "kernels"


async def test_a_client_runs_code_with_only_the_connection_info(
    folder: Path, tmp_path: Path
) -> None:
    spawner = KernelSpawner(kernel_spec("k", environment(tmp_path)), folder)
    address = await spawner.start()
    try:
        info = spawner.connection_info
        assert info is not None and spawner.connection_file is not None
        assert address == f"tcp:127.0.0.1:{info['shell_port']}"
        assert info["ip"] == "127.0.0.1" and info["transport"] == "tcp"
        assert info["signature_scheme"] == "hmac-sha256" and len(str(info["key"])) == 64
        assert len({info[port] for port in PORTS}) == len(PORTS)
        assert json.loads(spawner.connection_file.read_text()) == info
        assert stat.S_IMODE(spawner.connection_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert await run(info, "1 + 1") == "2"
        assert await run(info, "print('hello')") == "hello\n"
    finally:
        status = await spawner.stop(grace=PATIENCE)
    assert status == 0 and spawner.poll() == 0
    assert spawner.pid is not None and pid_gone(spawner.pid)
    assert list(folder.iterdir()) == []
    assert await spawner.stop() == 0


async def test_stop_ends_what_the_kernel_started(folder: Path, tmp_path: Path) -> None:
    spawner = KernelSpawner(kernel_spec("k", environment(tmp_path)), folder)
    await spawner.start()
    try:
        code = "import subprocess; print(subprocess.Popen(['sleep', '60']).pid)"
        child = int(await run(spawner.connection_info, code))
        assert not pid_gone(child)
    finally:
        # ipykernel waits for its unreaped (zombie) children for long: SIGTERM comes first.
        await spawner.stop(grace=2)
    await until(lambda: pid_gone(child), "the kernel's child to end")


def process_state(pid: int | None) -> str:
    """The one-letter state of ``pid`` in /proc ("" when gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


async def test_a_kernel_asked_to_stop_while_it_ignores_everything_is_killed(
    folder: Path, tmp_path: Path
) -> None:
    spawner = KernelSpawner(kernel_spec("k", environment(tmp_path)), folder)
    await spawner.start()
    info = spawner.connection_info
    assert info is not None
    client = await asyncio.to_thread(connect, info)
    try:
        # A stopped process answers nothing (not even the control thread's shutdown) and
        # keeps SIGTERM pending: only SIGKILL ends it.
        client.execute("import os, signal; os.kill(os.getpid(), signal.SIGSTOP)")
        await until(lambda: process_state(spawner.pid) == "T", "the kernel to stop itself")
        assert await spawner.stop(grace=1) == -signal.SIGKILL
    finally:
        client.stop_channels()
        await spawner.stop(grace=0)
    assert spawner.connection_file is not None and not spawner.connection_file.exists()


async def test_a_kernel_ignores_a_client_with_another_key(folder: Path, tmp_path: Path) -> None:
    spawner = KernelSpawner(kernel_spec("k", environment(tmp_path)), folder)
    await spawner.start()
    marker = tmp_path / "marker"
    try:
        info = spawner.connection_info
        assert info is not None
        intruder = connect(info, key=secrets.token_hex(32))
        try:
            intruder.execute(f"open({str(marker)!r}, 'w').close()")
            with pytest.raises(Empty):
                await asyncio.to_thread(intruder.shell_channel.get_msg, timeout=2)
        finally:
            intruder.stop_channels()
        # The kernel handles requests in turn: had it run the intruder's, the marker would exist.
        assert await run(info, "'after'") == "'after'"
        assert not marker.exists()
    finally:
        await spawner.stop(grace=PATIENCE)


async def test_a_new_spawner_re_adopts_the_kernel(folder: Path, tmp_path: Path) -> None:
    spec = kernel_spec("k", environment(tmp_path))
    original = KernelSpawner(spec, folder)
    await original.start()
    try:
        await run(original.connection_info, "x = 42")
        state = json.loads(json.dumps(original.get_state()))
        assert "key" not in json.dumps(state)  # the secret stays in its 0600 file
        adopted = KernelSpawner(spec, folder)
        adopted.load_state(state)
        assert adopted.pid == original.pid and adopted.address == original.address
        assert adopted.connection_info == original.connection_info
        assert adopted.poll() is None
        assert await run(adopted.connection_info, "x") == "42"
        assert await adopted.stop(grace=PATIENCE) == 0
        assert original.pid is not None and pid_gone(original.pid)
        assert list(folder.iterdir()) == []
    finally:
        await original.stop(grace=PATIENCE)


async def test_idle_for_counts_from_the_last_time_the_kernel_was_busy(
    folder: Path, tmp_path: Path
) -> None:
    spawner = KernelSpawner(kernel_spec("k", environment(tmp_path)), folder)
    await spawner.start()
    try:
        await until(lambda: spawner.execution_state == "idle", "the kernel to be idle")
        await until(lambda: spawner.idle_for() > 0.2, "idle time")
        client = await asyncio.to_thread(connect, spawner.connection_info or {})
        try:
            client.execute("import time; time.sleep(1)")
            await until(lambda: spawner.idle_for() == 0, "busy")
            assert spawner.execution_state == "busy"
            await until(lambda: spawner.execution_state == "idle", "idle again")
            assert spawner.idle_for() < 1
        finally:
            client.stop_channels()
    finally:
        await spawner.stop(grace=PATIENCE)


async def test_a_kernel_that_exits_at_once_fails_the_start(folder: Path, tmp_path: Path) -> None:
    argv = (sys.executable, "-c", "raise SystemExit(3)", "{connection_file}")
    spawner = KernelSpawner(replace(kernel_spec("k", environment(tmp_path)), argv=argv), folder)
    with pytest.raises(SpawnFailed, match="status 3"):
        await spawner.start()
    assert spawner.poll() == 3
    assert list(folder.iterdir()) == []


async def test_a_kernel_that_never_answers_times_out(folder: Path, tmp_path: Path) -> None:
    argv = (sys.executable, "-c", "import time; time.sleep(60)")
    spec = replace(kernel_spec("k", environment(tmp_path), start_timeout=0.5), argv=argv)
    spawner = KernelSpawner(spec, folder)
    with pytest.raises(SpawnTimeout):
        await spawner.start()
    assert spawner.pid is not None and pid_gone(spawner.pid)
    assert spawner.poll() == -signal.SIGKILL
    assert list(folder.iterdir()) == []


async def test_a_port_taken_before_the_kernel_binds_it_is_chosen_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    chosen: list[list[int]] = []
    free_ports = kernel.free_ports

    def racy_free_ports(count: int = len(PORTS), ip: str = "127.0.0.1") -> list[int]:
        """The first time, a port that another process listens on (as if it just took it)."""
        ports = free_ports(count, ip)
        if not chosen:
            ports[PORTS.index("iopub_port")] = squatter.getsockname()[1]
        chosen.append(ports)
        return ports

    monkeypatch.setattr(kernel, "free_ports", racy_free_ports)
    spawner = KernelSpawner(kernel_spec("k", environment(tmp_path)), folder)
    try:
        await spawner.start()
        assert len(chosen) == 2
        assert spawner.connection_info is not None
        assert [spawner.connection_info[port] for port in PORTS] == chosen[1]
        assert await run(spawner.connection_info, "1") == "1"
    finally:
        await spawner.stop(grace=PATIENCE)
        squatter.close()


# --- a kernel run as another OS user (root only) ------------------------------------------


@pytest.fixture
def os_user() -> Iterator[Account]:
    """A throwaway OS user without a home (root only; CI runs as root)."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        if os.environ.get("CI"):
            pytest.fail("kernels run as another user need root and useradd under CI")
        pytest.skip("kernels run as another user need root to create an OS user")
    name = f"bt{secrets.token_hex(4)}"
    subprocess.run(["useradd", "--no-create-home", name], check=True)
    try:
        yield accounts.lookup(name)
    finally:
        subprocess.run(["userdel", name], check=False)


def python_for(account: Account) -> tuple[str, dict[str, str]]:
    """An interpreter ``account`` can run ipykernel with, and the environment it needs.

    This one, when others may execute it; else the system's of the same version with this
    one's packages (a pyenv interpreter under ``/root`` is out of reach of other users).
    """
    site = {"PYTHONPATH": sysconfig.get_path("purelib")}
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path=os.defpath) or version
    for python, env in ((sys.executable, {}), (system, site)):
        probe = [python, "-c", "import ipykernel"]
        options = account.process_options()
        try:
            done = subprocess.run(probe, env=env, capture_output=True, check=False, **options)
        except OSError:
            continue
        if done.returncode == 0:
            return python, env
    if os.environ.get("CI"):
        pytest.fail(f"{account.name} cannot run any Python with ipykernel")
    pytest.skip(f"{account.name} cannot run any Python with ipykernel")


@pytest.mark.root
async def test_a_kernel_runs_as_the_spec_account(os_user: Account) -> None:
    python, extra = python_for(os_user)
    # The kernel must reach its folder: not under pytest's folder, which only root may enter.
    folder = Path(tempfile.mkdtemp(prefix="baton-kernel-"))
    env = {**environment(folder), **extra}
    spec = kernel_spec("k", env, python=python, cwd=folder, account=os_user)
    spawner = KernelSpawner(spec, folder)
    try:
        await spawner.start()
        assert spawner.connection_file is not None
        assert spawner.connection_file.stat().st_uid == os_user.uid
        assert folder.stat().st_uid == os_user.uid
        code = "import os; print(os.getuid(), os.getgid())"
        assert await run(spawner.connection_info, code) == f"{os_user.uid} {os_user.gid}\n"
    finally:
        await spawner.stop(grace=PATIENCE)
        shutil.rmtree(folder, ignore_errors=True)
    assert spawner.poll() == 0
