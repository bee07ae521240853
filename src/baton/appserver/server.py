"""The application server: listens, serves connections, answers STATUS, drains on SIGTERM.

With a key (``ServerConfig.key``) every connection must open with a HELLO that one shared
:class:`~baton.protocol.tickets.TicketCheck` accepts (see :mod:`baton.appserver.connection`).

On SIGTERM (or SIGINT) it stops accepting connections, closes the idle ones, lets the active
requests finish for up to ``grace`` seconds, stops what is left (see the runners) and returns 0.

In once mode (launch services) it stops the same way as soon as it has served a request and
holds neither a live session nor an active request: after its first request, unless that
request left a session; then after the last session is deleted or expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable

from baton.appserver.config import ServerConfig
from baton.appserver.connection import Connection
from baton.appserver.conversation import Runtime
from baton.appserver.resolver import ProgramResolver
from baton.appserver.running import Running
from baton.appserver.sessions import SessionStore
from baton.appserver.slots import Slots
from baton.protocol import frames
from baton.protocol.tickets import TicketCheck

logger = logging.getLogger(__name__)

#: Seconds between two sweeps of the expired sessions.
SWEEP_INTERVAL = 1.0


def _announce(shown: str) -> None:
    sys.stdout.write(f"listening {shown}\n")
    sys.stdout.flush()


class AppServer:
    """One application server process's state.

    Args:
        config: how it runs.
    """

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._started = time.monotonic()
        self._runtime = Runtime(
            resolver=ProgramResolver(config.libraries),
            slots=Slots(config.programs),
            max_deadline=config.timeout,
            running=set[Running](),
            sessions=SessionStore(),
        )
        # One check for every connection: it remembers the nonces seen (replays are refused).
        self._tickets = TicketCheck(config.key) if config.key else None
        self._connections: dict[asyncio.Task[None], Connection] = {}
        self._stopping = asyncio.Event()

    def status(self) -> frames.StatusReply:
        """The STATUS_REPLY frame: real counts now."""
        slots = self._runtime.slots
        return frames.StatusReply(
            pid=os.getpid(),
            capacity=slots.capacity,
            active=slots.active,
            served=slots.served,
            sessions=len(self._runtime.sessions),
            uptime=time.monotonic() - self._started,
        )

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(
            self._runtime, self.status, reader, writer, self._check_done, tickets=self._tickets
        )
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = connection
        try:
            await connection.serve()
        except asyncio.CancelledError:
            # Draining cancels idle connections; a handler task that ends cancelled makes
            # asyncio's stream server log a spurious error (Python 3.11), so end normally.
            pass
        except Exception:  # a bug: this connection ends, the server goes on
            logger.exception("connection failed")
        finally:
            self._connections.pop(task, None)

    def _check_done(self) -> None:
        """In once mode, stop once a request was served and nothing is left to serve."""
        if not self._config.once or self._runtime.slots.served == 0:
            return
        if len(self._runtime.sessions) or any(conn.busy for conn in self._connections.values()):
            return
        if not self._stopping.is_set():
            logger.info("once mode: served, no session left: stopping")
            self._stopping.set()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            if removed := self._runtime.sessions.sweep():
                logger.info("%d sessions expired", removed)
            self._check_done()

    async def run(self, ready: Callable[[str], None] = _announce) -> int:
        """Serve until SIGTERM or SIGINT (or, in once mode, until done); the exit status (0).

        Args:
            ready: called with the address (``tcp:HOST:PORT`` or ``unix:PATH``) once it
                listens; by default it prints ``listening ADDRESS`` on standard output.
        """
        address = self._config.listen
        if address.path is not None:
            server = await asyncio.start_unix_server(self._accept, path=address.path)
            shown = f"unix:{address.path}"
        else:
            server = await asyncio.start_server(self._accept, host=address.host, port=address.port)
            host, port = server.sockets[0].getsockname()[:2]
            shown = f"tcp:{host}:{port}"
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stopping.set)
        sweeper = asyncio.create_task(self._sweep())
        ready(shown)
        once = ", once" if self._config.once else ""
        keyed = ", HELLO required" if self._tickets is not None else ""
        logger.info(
            "listening %s, %d programs at once%s%s", shown, self._config.programs, once, keyed
        )
        await self._stopping.wait()
        logger.info("stopping: %d requests active", self._runtime.slots.active)
        server.close()
        await self._drain()
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        if address.path is not None:
            with contextlib.suppress(OSError):
                address.path.unlink()
        return 0

    async def _drain(self) -> None:
        """Let active requests finish within the grace period, then stop the rest."""
        deadline = time.monotonic() + self._config.grace
        for task, connection in list(self._connections.items()):
            connection.draining = True
            if not connection.busy:
                task.cancel()
        while time.monotonic() < deadline:
            busy = [task for task, conn in self._connections.items() if conn.busy]
            if not busy:
                break
            await asyncio.wait(busy, timeout=max(0.0, deadline - time.monotonic()))
        for task in list(self._connections):
            task.cancel()
        for running in list(self._runtime.running):
            running.halt()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=1.0)


def serve(config: ServerConfig) -> int:
    """Run a server with ``config`` until it is told to stop; the process's exit status."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return asyncio.run(AppServer(config).run())
