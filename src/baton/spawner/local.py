"""``LocalSpawner``: a server as a child process of this one.

The child runs in its own session (process group), with the spec's environment only and
standard input from ``/dev/null``. It is ready when it prints ``listening <address>`` on its
standard output, as ``python -m baton.appserver`` does; the rest of its standard output is read
and dropped so that it can never block on a full pipe. Its standard error goes to the spawner's,
or to a log file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from baton.errors import SpawnFailed, SpawnTimeout
from baton.spawner.base import LaunchSpec
from baton.spawner.process import AddressedSpawner, signal_group

logger = logging.getLogger(__name__)

#: The line a server prints once it accepts connections.
READY_PREFIX = "listening "
_MAX_LINE = 4096


class LocalSpawner(AddressedSpawner):
    """Starts ``spec`` as a child process.

    Args:
        spec: what to start.
        log: a file to append the child's standard error to (None: the spawner's own).
    """

    def __init__(self, spec: LaunchSpec, *, log: Path | None = None) -> None:
        self.spec = spec
        self._log = log
        self._process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None
        self.address: str | None = None

    async def start(self) -> str:
        if self._process is not None or self.pid is not None:
            raise RuntimeError("a spawner starts its server once")
        executable = self.spec.executable()
        options = self.spec.process_options()
        errors = self._log.open("ab") if self._log is not None else None
        try:
            self._process = await asyncio.create_subprocess_exec(
                executable,
                *self.spec.argv[1:],
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
                env=dict(self.spec.env),
                cwd=self.spec.cwd,
                start_new_session=True,
                limit=_MAX_LINE,
                **options,  # type: ignore[arg-type]
            )
        except OSError as exc:
            raise SpawnFailed(self.spec.name, exc.strerror or str(exc)) from exc
        finally:
            if errors is not None:
                errors.close()
        self.pid = self._process.pid
        try:
            address = await asyncio.wait_for(self._ready(), self.spec.start_timeout)
        except TimeoutError:
            await self.stop(grace=0)
            raise SpawnTimeout(self.spec.name, self.spec.start_timeout) from None
        except BaseException:
            await asyncio.shield(self.stop(grace=0))
            raise
        self.address = address
        self._drain = asyncio.create_task(self._discard_output())
        return address

    async def _ready(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        while True:
            try:
                line = await self._process.stdout.readline()
            except ValueError:  # a line over the limit: not what a server prints
                continue
            if not line:
                status = await self._process.wait()
                raise SpawnFailed(self.spec.name, f"it exited with status {status} first")
            text = line.decode("utf-8", "replace").strip()
            if text.startswith(READY_PREFIX):
                return text[len(READY_PREFIX) :]

    async def _discard_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            while await self._process.stdout.read(65536):
                pass

    def poll(self) -> int | None:
        if self._process is not None:
            return self._process.returncode
        return self.poll_pid()  # re-adopted: not our child

    async def stop(self, grace: float = 10.0) -> int | None:
        if self._process is None:
            return await self.stop_pid(grace, signal_group)
        process = self._process
        if process.returncode is None:
            if grace > 0:  # no grace: SIGKILL alone (a kill, not a polite stop)
                signal_group(process.pid, signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), grace)
            if process.returncode is None:
                signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        else:
            # The server is gone; what it left in its group goes too.
            signal_group(process.pid, signal.SIGKILL)
        if self._drain is not None:
            await self._drain
            self._drain = None
        if process.stdout is not None:
            process.stdout.feed_eof()
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()
        return process.returncode
