"""Choosing one of a definition's servers for a client.

- ``least_busy`` (default): the fewest clients for its capacity; ties go to the least recently
  used, which spreads clients over idle servers;
- ``round_robin``: each in turn, in the order the servers started;
- ``random``: any, uniformly;
- ``mru`` / ``lru``: the most / least recently used (MRU keeps few servers warm and lets the
  rest reach their idle timeout);
- ``cost``: the lowest cost (clients times ``cost_per_client``), ties to the least recently used;
- ``response_time``: the lowest moving average of its clients' durations (an unmeasured server
  counts as the fastest, so every server gets measured).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from baton.registry.enums import Balancing
from baton.spawner.managed import ManagedServer

_rng = random.Random()


def choose(
    candidates: Sequence[ManagedServer], strategy: Balancing, turn: int = 0
) -> ManagedServer | None:
    """The server to give a client among ``candidates`` (each can take one), or None.

    Args:
        candidates: available servers, in the order they started.
        strategy: the definition's balancing algorithm.
        turn: the round-robin position (the caller advances it).
    """
    if not candidates:
        return None
    if strategy is Balancing.ROUND_ROBIN:
        return candidates[turn % len(candidates)]
    if strategy is Balancing.RANDOM:
        return _rng.choice(list(candidates))
    if strategy is Balancing.MRU:
        return max(candidates, key=lambda server: server.last_used)
    if strategy is Balancing.LRU:
        return min(candidates, key=lambda server: server.last_used)
    if strategy is Balancing.COST:
        return min(candidates, key=lambda server: (server.cost(), server.last_used))
    if strategy is Balancing.RESPONSE_TIME:
        return min(candidates, key=lambda server: (server.response_time, server.last_used))
    return min(
        candidates,
        key=lambda server: (server.clients / server.plan.pool.max_clients, server.last_used),
    )
