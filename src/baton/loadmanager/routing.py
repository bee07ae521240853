"""Choosing a server for a request among those that can take one."""

from __future__ import annotations

import random
from collections.abc import Sequence

from baton.loadmanager.server import ServerHandle
from baton.registry.enums import Balancing


class Router:
    """Picks a server by a service's routing strategy.

    - ``least_busy`` (default): the lowest share of slots in use; ties go to the one used
      least recently, which spreads requests over idle servers;
    - ``round_robin``: each in turn, in the order the servers started;
    - ``random``: any, uniformly;
    - ``mru``: the most recently used, which keeps few servers warm and lets the others go idle
      (and be stopped by the idle timeout).

    Args:
        strategy: one of the four.
        rng: the random source (seeded in tests).
    """

    def __init__(self, strategy: Balancing, rng: random.Random | None = None) -> None:
        self.strategy = strategy
        self._rng = rng or random.Random()
        self._turn = 0

    def pick(self, candidates: Sequence[ServerHandle]) -> ServerHandle | None:
        """The server to use among ``candidates`` (each can take a request), or None."""
        if not candidates:
            return None
        if self.strategy is Balancing.ROUND_ROBIN:
            chosen = candidates[self._turn % len(candidates)]
            self._turn += 1
            return chosen
        if self.strategy is Balancing.RANDOM:
            return self._rng.choice(list(candidates))
        if self.strategy is Balancing.MRU:
            return max(candidates, key=lambda server: server.last_used)
        return min(candidates, key=_load)


def _load(server: ServerHandle) -> tuple[float, float]:
    return server.active / server.capacity, server.last_used
