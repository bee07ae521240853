"""``KernelSpawner``: a workspace server, a Jupyter kernel (ipykernel) as a child process.

The spawner chooses five free TCP ports (of 127.0.0.1, or of the address it is given: another
host's spawner has its kernels listen where clients reach them) and a random HMAC-SHA256 key,
writes them to a connection file in a private folder, and starts the kernel with that file's
path in place of :data:`CONNECTION_FILE` in the spec's argument vector. The kernel is ready
when it answers a ``kernel_info_request`` and the spawner hears its status (below). Any
Jupyter client connects with :attr:`KernelSpawner.connection_info` (what the API returns); the
kernel ignores messages not signed with its key. Should another process take a port before
the kernel binds it (the kernel then hangs rather than exits), the kernel is killed and
started again on other ports.

``stop()`` sends a ``shutdown_request`` on the control channel, then SIGTERM, then SIGKILL, to the
kernel's process group. While the kernel runs, the spawner listens to the ``status`` messages the
kernel publishes around every request it handles: :meth:`KernelSpawner.idle_for` tells a culler
how long it has been idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from queue import Empty
from typing import cast

import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.connect import KernelConnectionInfo

from baton.errors import SpawnFailed, SpawnTimeout
from baton.spawner.accounts import Account
from baton.spawner.base import LaunchSpec, SpawnerState
from baton.spawner.process import POLL_INTERVAL, AddressedSpawner, signal_group

#: Replaced in the spec's argv by the connection file's path.
CONNECTION_FILE = "{connection_file}"
#: What :func:`kernel_spec` adds to a kernel's environment: no deprecated paths, no debugger noise.
KERNEL_ENV = {"JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
#: The connection file's port fields.
PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
#: How many sets of ports ``start()`` tries when another process took one of them.
PORT_ATTEMPTS = 3
#: Seconds between two ``kernel_info_request`` while the kernel starts.
ASK_EVERY = 1.0
#: Execution states in which a kernel is not idle.
ACTIVE = frozenset({"busy", "starting"})

#: Addresses a kernel may listen on that no client connects to: the spawner then uses loopback.
WILDCARDS = frozenset({"0.0.0.0", "*", ""})

#: A kernel's connection file: ``ip``, the five ports, ``key``, ``transport``, ...
ConnectionInfo = dict[str, str | int]


def reachable(info: ConnectionInfo) -> ConnectionInfo:
    """``info`` as a client on the kernel's own host connects: a wildcard ``ip`` is loopback."""
    return {**info, "ip": "127.0.0.1"} if info.get("ip") in WILDCARDS else dict(info)


def kernel_argv(python: str = sys.executable) -> tuple[str, ...]:
    """The command of an ipykernel run by ``python``."""
    return (python, "-m", "ipykernel_launcher", "-f", CONNECTION_FILE)


def kernel_spec(
    name: str,
    env: Mapping[str, str],
    *,
    python: str = sys.executable,
    cwd: Path | None = None,
    start_timeout: float = 60.0,
    account: Account | None = None,
) -> LaunchSpec:
    """A spec for an ipykernel: :func:`kernel_argv`, ``env`` plus :data:`KERNEL_ENV`."""
    argv, environment = kernel_argv(python), {**KERNEL_ENV, **env}
    return LaunchSpec(name, argv, environment, cwd, start_timeout, account)


def free_ports(count: int = len(PORTS), ip: str = "127.0.0.1") -> list[int]:
    """``count`` distinct TCP ports of ``ip`` that were free a moment ago."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("" if ip in WILDCARDS else ip, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def taken(ports: list[int], pid: int) -> list[int]:
    """Which of ``ports`` a process other than ``pid`` listens on (Linux ``/proc``)."""
    own: set[str] = set()
    with contextlib.suppress(OSError):
        for entry in os.scandir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                own.add(os.readlink(entry.path))
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()  # sl local remote state ... uid timeout inode
                port = int(fields[1].rsplit(":", 1)[1], 16)
                listens = fields[3] == "0A"
                if listens and port in ports and f"socket:[{fields[9]}]" not in own:
                    found.append(port)
    return found


class _PortTaken(SpawnFailed):
    """Another process listens on a port the kernel was given (start it again elsewhere)."""


class KernelSpawner(AddressedSpawner):
    """Starts ``spec`` as a Jupyter kernel; ``start()`` returns ``tcp:IP:SHELL_PORT``.

    Args:
        spec: the kernel's command (see :func:`kernel_spec`).
        folder: the private folder of the connection file, made mode 0700 (and given to
            ``spec.account`` when the spawner is root): the kernel's own, or shared only with
            kernels of the same account.
        log: a file to append the kernel's output to (None: discarded).
        ip: the IPv4 address the kernel listens on (default loopback: clients of this host only).

    Attributes:
        connection_info: what a Jupyter client needs (the connection file's content), from
            the moment ``start()`` wrote it (the kernel answers once ``start()`` returned), or
            once re-adopted.
        connection_file: the file (mode 0600), removed by ``stop()``.
        execution_state: the last status the kernel published (``starting``, ``busy``,
            ``idle``), ``unknown`` before any.
        last_activity: ``time.monotonic()`` of that status (or of the start or re-adoption).
    """

    def __init__(
        self, spec: LaunchSpec, folder: Path, *, log: Path | None = None, ip: str = "127.0.0.1"
    ) -> None:
        self.spec, self.folder, self._log, self.ip = spec, folder, log, ip
        self.address: str | None = None
        self.connection_info: ConnectionInfo | None = None
        self.connection_file: Path | None = None
        self.execution_state = "unknown"
        self.last_activity = time.monotonic()
        self._process: asyncio.subprocess.Process | None = None
        self._done = False
        self._context: zmq.asyncio.Context | None = None
        self._client: AsyncKernelClient | None = None
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> str:
        if self._process is not None or self.pid is not None:
            raise RuntimeError("a spawner starts its server once")
        executable = self.spec.executable()
        options = self.spec.process_options()
        deadline = asyncio.get_running_loop().time() + self.spec.start_timeout
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                ports = free_ports(ip=self.ip)
                return await self._launch(executable, options, ports, deadline)
            except _PortTaken:
                if attempt == PORT_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _launch(
        self, executable: str, options: dict[str, object], ports: list[int], deadline: float
    ) -> str:
        info: ConnectionInfo = {"ip": self.ip, "transport": "tcp", "kernel_name": "python3"}
        info |= {"key": secrets.token_hex(32), "signature_scheme": "hmac-sha256"}
        info |= dict(zip(PORTS, ports, strict=True))
        path = self._write(info)
        self.connection_info = info  # known from now on, while the kernel starts
        argv = [arg.replace(CONNECTION_FILE, str(path)) for arg in self.spec.argv[1:]]
        try:
            output = self._log.open("ab") if self._log is not None else asyncio.subprocess.DEVNULL
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise SpawnFailed(self.spec.name, f"its log cannot be opened: {exc}") from exc
        self._done, self.execution_state = False, "unknown"
        try:
            self._process = await asyncio.create_subprocess_exec(
                executable,
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                env=dict(self.spec.env),
                cwd=self.spec.cwd,
                start_new_session=True,
                **options,  # type: ignore[arg-type]
            )
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise SpawnFailed(self.spec.name, exc.strerror or str(exc)) from exc
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        finally:
            if not isinstance(output, int):
                output.close()
        self.pid = self._process.pid
        self.address = f"tcp:{self.ip}:{info['shell_port']}"
        self._connect()
        remaining = max(deadline - asyncio.get_running_loop().time(), 0)
        try:
            await asyncio.wait_for(self._ready(self._process, ports), remaining)
        except TimeoutError:
            await self.stop(grace=0)
            raise SpawnTimeout(self.spec.name, self.spec.start_timeout) from None
        except BaseException:
            await asyncio.shield(self.stop(grace=0))
            raise
        return self.address

    def _write(self, info: ConnectionInfo) -> Path:
        """Write ``info`` to a new connection file that only the kernel's account can read."""
        account = self.spec.account
        owner = (account.uid, account.gid) if account is not None and os.geteuid() == 0 else None
        path = self.folder / f"kernel-{secrets.token_hex(8)}.json"
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.folder, 0o700)
            if owner is not None:
                os.chown(self.folder, *owner)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with open(os.open(path, flags, 0o600), "w") as file:
                if owner is not None:
                    os.fchown(file.fileno(), *owner)
                json.dump(info, file)
        except OSError as exc:
            raise SpawnFailed(self.spec.name, f"connection file: {exc}") from exc
        self.connection_file = path
        return path

    async def _ready(self, process: asyncio.subprocess.Process, ports: list[int]) -> None:
        """Return once the kernel answered ``kernel_info`` and the status watch heard it.

        Raises:
            SpawnFailed: the kernel exited first.
            _PortTaken: another process listens on one of ``ports``.
        """
        assert self._client is not None
        loop = asyncio.get_running_loop()
        replied, ask_again = False, loop.time()
        while not (replied and self.execution_state != "unknown"):
            if process.returncode is not None or loop.time() >= ask_again:
                if not replied and (stolen := taken(ports, process.pid)):
                    raise _PortTaken(self.spec.name, f"port {stolen[0]} was taken")
                if process.returncode is not None:
                    problem = f"it exited with status {process.returncode} first"
                    raise SpawnFailed(self.spec.name, problem)
                self._client.kernel_info()
                ask_again = loop.time() + (10 * POLL_INTERVAL if replied else ASK_EVERY)
            with contextlib.suppress(Empty):
                reply = await self._client.get_shell_msg(timeout=5 * POLL_INTERVAL)
                if not replied and reply["msg_type"] == "kernel_info_reply":
                    # Only the watch's subscription may be late now: ask again soon if so.
                    replied, ask_again = True, loop.time() + 10 * POLL_INTERVAL

    def _connect(self) -> None:
        """Open the shell and control channels, and watch the kernel's status."""
        if self._client is not None or self.connection_info is None:
            return
        info = reachable(self.connection_info)
        loop = asyncio.get_running_loop()  # RuntimeError without one: connect later
        self._context = zmq.asyncio.Context()
        self._client = AsyncKernelClient(context=self._context)
        self._client.load_connection_info(cast(KernelConnectionInfo, info))
        self._client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=True)
        # Only the kernel's own topics (``kernel.<id>.status``...): ipykernel welcomes only the
        # first subscriber to all topics, and that one should be a client.
        sub = self._context.socket(zmq.SUB)
        sub.linger = 0
        sub.subscribe(b"kernel.")
        sub.connect(f"tcp://{info['ip']}:{info['iopub_port']}")
        status = AsyncZMQSocketChannel(sub, self._client.session)
        self._watch = loop.create_task(self._watch_status(status))
        self.last_activity = time.monotonic()

    async def _watch_status(self, channel: AsyncZMQSocketChannel) -> None:
        try:
            while True:
                try:
                    message = await channel.get_msg()
                except ValueError:  # badly signed or malformed: not from the kernel
                    continue
                if message["msg_type"] == "status":
                    self.execution_state = str(message["content"].get("execution_state"))
                    self.last_activity = time.monotonic()
        finally:
            channel.close()

    async def _disconnect(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
            self._watch = None
        if self._client is not None:
            self._client.stop_channels()
            self._client = None
        if self._context is not None:
            self._context.destroy(linger=0)
            self._context = None

    def idle_for(self) -> float:
        """Seconds since the kernel was last busy; 0 while it is busy or starting.

        For a culler: ``if spawner.poll() is None and spawner.idle_for() > timeout: stop``.
        Status messages are only heard while this spawner's channels are open (from ``start()``
        or ``load_state()`` in a running event loop); before any, this counts from then.
        """
        if self.execution_state in ACTIVE:
            return 0.0
        return time.monotonic() - self.last_activity

    def poll(self) -> int | None:
        if self._process is not None:
            return self._process.returncode
        return self.poll_pid()  # re-adopted: not our child

    async def stop(self, grace: float = 10.0) -> int | None:
        if self._done or self.pid is None:
            return self.poll()
        loop = asyncio.get_running_loop()
        limit = loop.time() + grace
        if grace > 0 and self.poll() is None and self.connection_info is not None:
            # Asked, a kernel ends its own children and saves its history before it exits.
            self._connect()
            assert self._client is not None
            self._client.shutdown()
            polite = loop.time() + grace / 2
            while self.poll() is None and loop.time() < polite:
                await asyncio.sleep(POLL_INTERVAL)
        grace = max(limit - loop.time(), 0)
        if self._process is None:
            status = await self.stop_pid(grace, signal_group)
        else:
            status = await self._end_child(self._process, grace)
        await self._disconnect()
        if self.connection_file is not None:
            self.connection_file.unlink(missing_ok=True)
        self._done = True
        return status

    async def _end_child(self, process: asyncio.subprocess.Process, grace: float) -> int | None:
        if process.returncode is None:
            if grace > 0:
                signal_group(process.pid, signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), grace)
            if process.returncode is None:
                signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        signal_group(process.pid, signal.SIGKILL)  # what the kernel started goes too
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()
        return process.returncode

    def get_state(self) -> SpawnerState:
        file = str(self.connection_file) if self.connection_file is not None else None
        return {**super().get_state(), "connection_file": file}

    def load_state(self, state: SpawnerState) -> None:
        """Re-adopt the kernel; its connection info is read back from its connection file."""
        super().load_state(state)
        file = state.get("connection_file")
        self.connection_file = Path(file) if isinstance(file, str) else None
        self.connection_info = None
        with contextlib.suppress(OSError, ValueError):
            if self.connection_file is not None:
                info = json.loads(self.connection_file.read_text())
                if isinstance(info, dict):
                    items = info.items()
                    self.connection_info = {k: v for k, v in items if isinstance(v, str | int)}
        if self.poll() is None:
            with contextlib.suppress(RuntimeError):  # no event loop yet: stop() connects
                self._connect()
