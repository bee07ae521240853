"""The zygote: a pre-warmed parent that forks launch servers, and :func:`fork_server` to ask it.

::

    python -m baton.appserver.zygote --control PATH --sockets DIR --library NAME=FOLDER ...
        [--programs N] [--timeout S] [--grace S] [--preload MODULE ...] [--spare K]

A launch service needs a fresh server process per request; starting an interpreter and importing
the server costs far more than the request. The zygote imports everything a server needs (and
each ``--preload`` module) once, then forks a server per request: the child inherits the warm
interpreter and runs an :class:`~baton.appserver.server.AppServer` in once mode on a Unix socket
of its own. ``--spare K`` children are forked ahead and already listen, so a FORK is answered
at once and a replacement is forked after the answer was sent.

Control protocol, one ASCII line per command and per answer, on the Unix socket ``PATH`` (mode
0600, so only the zygote's user may ask):

- ``FORK`` -> ``READY <pid> unix:<socket>`` once the child listens, or ``FAILED <reason>``;
- anything else -> ``FAILED unknown command``.

Several commands may follow each other on one connection; answers come in the same order. The
socket is a path the zygote chooses inside ``--sockets DIR`` (``DIR/<pid>-<random>.sock``):
nothing a client sends becomes a path.

The zygote itself never runs asyncio (forking a process with a running event loop leaves the
child with the parent's loop, selector and threads): it is a single-threaded ``selectors`` loop,
and each child runs its own ``asyncio.run``. It reaps its children (none stays a zombie) and
removes the socket of each child that exited. On SIGTERM or SIGINT it stops listening, answers
the waiting FORKs ``FAILED``, sends SIGTERM to every child (a child with a live request or
session finishes it within ``--grace``), SIGKILLs those left after the grace period, removes
``PATH`` and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import importlib
import logging
import os
import secrets
import selectors
import signal
import socket
import stat
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from baton.appserver.config import ZygoteConfig, parse_zygote_args
from baton.appserver.server import AppServer
from baton.errors import SpawnFailed, SpawnTimeout

logger = logging.getLogger("baton.appserver.zygote")  # also when run as __main__

#: Seconds a child has to listen before it is killed as failed.
START_TIMEOUT = 30.0
#: Seconds without forking spares after a child failed to start (a flapping guard).
START_BACKOFF = 1.0
#: The longest command line a client may send.
MAX_LINE = 256
#: Room a child's socket name takes after ``--sockets DIR/`` (pid, random part, suffix).
_SOCKET_NAME_ROOM = 32
#: The longest Unix socket path (``sun_path`` holds 108 bytes, NUL included).
_MAX_SOCKET_PATH = 107
#: The signals the loop handles; blocked around ``fork`` so a child never runs their handlers.
_HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD)


class ChildState(enum.Enum):
    """A forked child's life as the zygote sees it (it ends when the child is reaped)."""

    STARTING = "starting"  # forked, not listening yet
    SPARE = "spare"  # listening, not handed out
    GIVEN = "given"  # handed out by a READY answer


class _Child:
    """A forked server (mutable: its state moves until it is reaped)."""

    __slots__ = ("pid", "path", "ready_fd", "state", "started")

    def __init__(self, pid: int, path: Path, ready_fd: int) -> None:
        self.pid = pid
        self.path = path
        self.ready_fd: int | None = ready_fd
        self.state = ChildState.STARTING
        self.started = time.monotonic()


class _Answer:
    """The answer to one command, filled in when known; sent in its connection's order."""

    __slots__ = ("client", "text")

    def __init__(self, client: _Client, text: str | None = None) -> None:
        self.client = client
        self.text = text


class _Client:
    """A control connection: its unread bytes and its answers in order."""

    __slots__ = ("sock", "buffer", "answers", "reading")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.answers: deque[_Answer] = deque()
        #: False once the client shut its side down: it may still wait for its answers.
        self.reading = True


class Zygote:
    """The zygote process's loop.

    Args:
        config: how it runs.
    """

    def __init__(self, config: ZygoteConfig) -> None:
        self._config = config
        self._selector = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._wakeup: tuple[int, int] | None = None
        self._clients: dict[socket.socket, _Client] = {}
        self._children: dict[int, _Child] = {}
        #: FORKs waiting for a child to listen, oldest first.
        self._waiting: deque[_Answer] = deque()
        self._backoff_until = 0.0
        self._stopping = False

    def run(self) -> int:
        """Listen, fork and reap until SIGTERM or SIGINT; the exit status (0)."""
        config = self._config
        for module in config.preload:
            importlib.import_module(module)
        config.sockets.mkdir(mode=0o700, parents=True, exist_ok=True)
        if len(str(config.sockets)) + _SOCKET_NAME_ROOM > _MAX_SOCKET_PATH:
            raise ValueError(f"--sockets {config.sockets} is too long for Unix socket paths")
        self._listener = _listen(config.control)
        self._selector.register(self._listener, selectors.EVENT_READ, self._accept)
        self._install_signals()
        sys.stdout.write(f"listening unix:{config.control}\n")
        sys.stdout.flush()
        logger.info("zygote listening unix:%s, %d spare", config.control, config.spare)
        self._replenish()
        try:
            while not self._stopping:
                for key, _ in self._selector.select(self._next_timeout()):
                    callback: Callable[[], None] = key.data
                    callback()
                self._reap()
                self._expire_starting()
                self._replenish()
        finally:
            self._shutdown()
        return 0

    # --- signals ---------------------------------------------------------------------------

    def _install_signals(self) -> None:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        self._wakeup = (read_fd, write_fd)
        # The C handler writes to the pipe, so select() returns for every signal.
        signal.set_wakeup_fd(write_fd)
        self._selector.register(read_fd, selectors.EVENT_READ, self._drain_wakeup)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)

    def _on_stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _drain_wakeup(self) -> None:
        assert self._wakeup is not None
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wakeup[0], 512):
                pass

    # --- control connections -----------------------------------------------------------------

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            sock, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        sock.setblocking(False)
        client = _Client(sock)
        self._clients[sock] = client
        self._selector.register(sock, selectors.EVENT_READ, lambda: self._read(client))

    def _read(self, client: _Client) -> None:
        try:
            received = client.sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(client)
            return
        if not received:  # shut down for writing: answer what it asked, then close
            client.reading = False
            self._selector.unregister(client.sock)
            self._send(client)
            return
        client.buffer += received
        while b"\n" in client.buffer:
            line, _, rest = bytes(client.buffer).partition(b"\n")
            client.buffer = bytearray(rest)
            answer = _Answer(client)
            client.answers.append(answer)
            if line.rstrip(b"\r") == b"FORK":
                self._waiting.append(answer)
            else:
                answer.text = "FAILED unknown command"
        if len(client.buffer) > MAX_LINE:
            self._close(client)
            return
        self._assign()
        self._send(client)

    def _send(self, client: _Client) -> None:
        """Send the answers known so far, in order, stopping at the first one still awaited."""
        out: list[str] = []
        while client.answers and client.answers[0].text is not None:
            text = client.answers.popleft().text
            assert text is not None
            out.append(text + "\n")
        try:
            if out:
                # A few short lines always fit an empty socket buffer; a client that lets
                # answers pile up unread is dropped.
                client.sock.sendall("".join(out).encode())
        except OSError:
            self._close(client)
            return
        if not client.reading and not client.answers:
            self._close(client)

    def _close(self, client: _Client) -> None:
        if self._clients.pop(client.sock, None) is None:
            return
        if client.reading:
            self._selector.unregister(client.sock)
        client.sock.close()
        # A child forked for a client that left becomes a spare instead of being lost.
        self._waiting = deque(answer for answer in self._waiting if answer.client is not client)

    # --- children ----------------------------------------------------------------------------

    def _count(self, state: ChildState) -> int:
        return sum(1 for child in self._children.values() if child.state is state)

    def _assign(self) -> None:
        """Hand spare children to the waiting FORKs, oldest first."""
        while self._waiting:
            spare = next((c for c in self._children.values() if c.state is ChildState.SPARE), None)
            if spare is None:
                return
            answer = self._waiting.popleft()
            spare.state = ChildState.GIVEN
            answer.text = f"READY {spare.pid} unix:{spare.path}"
            logger.info("handed out server %d", spare.pid)
            self._send(answer.client)

    def _replenish(self) -> None:
        """Fork until starting and spare children cover the waiting FORKs plus ``--spare``."""
        if self._stopping:
            return
        wanted = len(self._waiting)
        if time.monotonic() >= self._backoff_until:
            wanted += self._config.spare
        while self._count(ChildState.STARTING) + self._count(ChildState.SPARE) < wanted:
            try:
                self._fork()
            except OSError as exc:
                logger.error("cannot fork a server: %s", exc)
                self._start_failed(f"cannot fork: {exc.strerror}")
                return

    def _fork(self) -> None:
        path_token = secrets.token_hex(6)
        read_fd, write_fd = os.pipe()
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
        try:
            pid = os.fork()
            if pid == 0:
                os.close(read_fd)
                self._become_server(self._socket_path(os.getpid(), path_token), write_fd)
        except OSError:
            os.close(read_fd)
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
            os.close(write_fd)
        child = _Child(pid, self._socket_path(pid, path_token), read_fd)
        self._children[pid] = child
        self._selector.register(read_fd, selectors.EVENT_READ, lambda: self._ready(child))

    def _socket_path(self, pid: int, token: str) -> Path:
        return self._config.sockets / f"{pid}-{token}.sock"

    def _ready(self, child: _Child) -> None:
        """The child's readiness pipe: a line once it listens, or the end (it died)."""
        assert child.ready_fd is not None
        try:
            said = os.read(child.ready_fd, 64)
        except OSError:
            said = b""
        self._selector.unregister(child.ready_fd)
        os.close(child.ready_fd)
        child.ready_fd = None
        if said.startswith(b"ready") and child.state is ChildState.STARTING:
            child.state = ChildState.SPARE
            self._assign()
        # Otherwise it died before listening: the reaper reports it.

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self._children.pop(pid, None)
            if child is None:
                continue
            if child.ready_fd is not None:
                self._selector.unregister(child.ready_fd)
                os.close(child.ready_fd)
                child.ready_fd = None
            with contextlib.suppress(OSError):
                child.path.unlink()
            code = os.waitstatus_to_exitcode(status)
            if child.state is ChildState.STARTING:
                logger.error("server %d exited while starting (status %d)", pid, code)
                self._start_failed(f"the server exited while starting (status {code})")
            else:
                logger.info("server %d exited (status %d)", pid, code)

    def _start_failed(self, reason: str) -> None:
        """A child could not start: fail the oldest FORK no other starting child covers."""
        self._backoff_until = time.monotonic() + START_BACKOFF
        if len(self._waiting) > self._count(ChildState.STARTING):
            answer = self._waiting.popleft()
            answer.text = f"FAILED {reason}"
            self._send(answer.client)

    def _expire_starting(self) -> None:
        limit = time.monotonic() - START_TIMEOUT
        for child in self._children.values():
            if child.state is ChildState.STARTING and child.started < limit:
                logger.error("server %d did not listen within %g s", child.pid, START_TIMEOUT)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)

    def _next_timeout(self) -> float:
        if self._count(ChildState.STARTING):
            return 0.5  # to notice a start timeout
        backoff = self._backoff_until - time.monotonic()
        return backoff if backoff > 0 else 5.0

    # --- the child -------------------------------------------------------------------------

    def _become_server(self, path: Path, ready_fd: int) -> NoReturn:
        """In the forked child: drop the zygote's state, serve in once mode, exit."""
        status = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)
            self._close_inherited()
            # The zygote's stdout carries its own "listening" line only: stray prints go to
            # the log instead.
            os.dup2(2, 1)

            def ready(shown: str) -> None:
                os.write(ready_fd, b"ready\n")
                os.close(ready_fd)

            status = asyncio.run(AppServer(self._config.server_config(path)).run(ready))
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
            os._exit(status)

    def _close_inherited(self) -> None:
        for client in self._clients.values():
            client.sock.close()
        for child in self._children.values():
            if child.ready_fd is not None:
                os.close(child.ready_fd)
        if self._listener is not None:
            self._listener.close()
        if self._wakeup is not None:
            os.close(self._wakeup[0])
            os.close(self._wakeup[1])
        self._selector.close()

    # --- stopping --------------------------------------------------------------------------

    def _shutdown(self) -> None:
        self._stopping = True
        if self._listener is not None:
            self._selector.unregister(self._listener)
            self._listener.close()
            with contextlib.suppress(OSError):
                self._config.control.unlink()
        while self._waiting:
            answer = self._waiting.popleft()
            answer.text = "FAILED the zygote is stopping"
            self._send(answer.client)
        for client in list(self._clients.values()):
            self._close(client)
        for pid in list(self._children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        # A child's own drain takes up to the grace period; give it a little more.
        limit = time.monotonic() + self._config.grace + 1.0
        while self._children and time.monotonic() < limit:
            self._reap()
            if self._children:
                time.sleep(0.01)
        for pid in list(self._children):
            logger.warning("server %d outlived the grace period: killed", pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        while self._children:
            self._reap()
            if self._children:
                time.sleep(0.01)
        signal.set_wakeup_fd(-1)
        if self._wakeup is not None:
            self._selector.unregister(self._wakeup[0])
            os.close(self._wakeup[0])
            os.close(self._wakeup[1])
            self._wakeup = None
        self._selector.close()
        logger.info("zygote stopped")


def _listen(path: Path) -> socket.socket:
    """A listening, non-blocking Unix socket at ``path`` with mode 0600.

    Raises:
        OSError: ``path`` is not a stale socket, or another process listens on it.
    """
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise FileExistsError(f"{path} exists and is not a socket")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
            except ConnectionRefusedError:
                path.unlink()  # stale: left by a zygote that was killed
            else:
                raise FileExistsError(f"another process listens on {path}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)  # the socket is created 0600: no window where others may connect
    try:
        listener.bind(str(path))
    except OSError:
        listener.close()
        raise
    finally:
        os.umask(previous)
    os.chmod(path, 0o600)
    listener.listen(64)
    listener.setblocking(False)
    return listener


async def fork_server(control: Path, timeout: float) -> tuple[int, str]:
    """Ask the zygote listening on ``control`` for a server; its pid and ``unix:/path``.

    One connection per call: send ``FORK``, read one answer line.

    Args:
        control: the zygote's control socket.
        timeout: seconds to wait for the answer (a child that has to be forked first
            takes tens of milliseconds; a spare is handed out at once).

    Raises:
        SpawnFailed: the zygote answered ``FAILED``, cannot be reached, or closed the connection.
        SpawnTimeout: no answer within ``timeout`` seconds.
    """
    what = f"a server forked by the zygote at {control}"
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_unix_connection(str(control))
            try:
                writer.write(b"FORK\n")
                await writer.drain()
                line = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except TimeoutError as exc:
        raise SpawnTimeout(what, timeout) from exc
    except OSError as exc:
        raise SpawnFailed(what, f"the zygote cannot be reached ({exc})") from exc
    answer = line.decode("utf-8", "replace").rstrip("\r\n")
    word, _, rest = answer.partition(" ")
    if word == "READY":
        pid, _, address = rest.partition(" ")
        if pid.isdigit() and address.startswith("unix:"):
            return int(pid), address
    if word == "FAILED":
        raise SpawnFailed(what, rest or "no reason given")
    if not answer:
        raise SpawnFailed(what, "the zygote closed the connection without answering")
    raise SpawnFailed(what, f"the zygote answered {answer[:80]!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a zygote with the command line ``argv``; the process's exit status."""
    config = parse_zygote_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
    )
    try:
        return Zygote(config).run()
    except (OSError, ValueError, ImportError) as exc:
        logger.error("the zygote cannot start: %s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
