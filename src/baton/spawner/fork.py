"""``ForkSpawner``: a launch server forked by a pre-warmed zygote.

The zygote (``python -m baton.appserver.zygote``, itself started by a :class:`LocalSpawner`)
has every module a server needs imported already; ``start()`` asks it over its control socket
to fork a server, which answers a single request (or the requests of the session it created).
The forked server is the zygote's child, not ours: the zygote reaps it, and ``poll()`` sees it
gone once it was reaped.
"""

from __future__ import annotations

from pathlib import Path

from baton.spawner.process import AddressedSpawner


class ForkSpawner(AddressedSpawner):
    """A server forked by the zygote listening on ``control``.

    Args:
        control: the zygote's control socket.
        start_timeout: seconds the zygote has to answer.
    """

    def __init__(self, control: Path, *, start_timeout: float = 10.0) -> None:
        self._control = control
        self._timeout = start_timeout
        self.address: str | None = None

    async def start(self) -> str:
        from baton.appserver.zygote import fork_server

        if self.pid is not None:
            raise RuntimeError("a spawner starts its server once")
        self.pid, self.address = await fork_server(self._control, self._timeout)
        return self.address

    def poll(self) -> int | None:
        return self.poll_pid()

    async def stop(self, grace: float = 10.0) -> int | None:
        return await self.stop_pid(grace)
