"""``Router``: how a request picks a server among those that can take it (no processes)."""

from __future__ import annotations

import random

import pytest

from baton.loadmanager.routing import Router
from baton.loadmanager.server import ServerHandle
from baton.registry.enums import Balancing


def server(name: str, *, capacity: int = 1, active: int = 0, used: float = 0.0) -> ServerHandle:
    handle = ServerHandle(name, capacity, address=f"tcp:127.0.0.1:{1000 + len(name)}")
    handle.active = active
    handle.last_used = used
    return handle


#: The strategies a dispatcher service may use.
STRATEGIES = [Balancing.LEAST_BUSY, Balancing.ROUND_ROBIN, Balancing.RANDOM, Balancing.MRU]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_no_candidate_means_no_server(strategy: Balancing) -> None:
    assert Router(strategy).pick([]) is None


def test_least_busy_prefers_the_lowest_share_of_slots_in_use() -> None:
    half = server("half", capacity=4, active=2, used=1.0)  # 0.5
    quarter = server("quarter", capacity=4, active=1, used=2.0)  # 0.25
    third = server("third", capacity=3, active=1, used=0.5)  # 0.33
    router = Router(Balancing.LEAST_BUSY)
    assert router.pick([half, quarter, third]) is quarter
    assert router.pick([half, third]) is third
    # A share, not a count: 2 of 8 slots is less busy than 1 of 2.
    big, small = server("big", capacity=8, active=2), server("small", capacity=2, active=1)
    assert router.pick([small, big]) is big


def test_least_busy_breaks_ties_by_the_least_recently_used() -> None:
    recent = server("recent", used=20.0)
    old = server("old", used=10.0)
    router = Router(Balancing.LEAST_BUSY)
    assert router.pick([recent, old]) is old
    assert router.pick([old, recent]) is old


def test_round_robin_takes_each_server_in_turn() -> None:
    servers = [server("a"), server("b"), server("c")]
    router = Router(Balancing.ROUND_ROBIN)
    picks = [router.pick(servers) for _ in range(9)]
    assert set(picks[:3]) == set(servers)  # each once per round
    assert picks[3:6] == picks[:3] and picks[6:] == picks[:3]  # the same order every round


def test_random_is_uniform_and_reproducible_with_a_seed() -> None:
    servers = [server("a"), server("b"), server("c")]
    router = Router(Balancing.RANDOM, random.Random(7))
    picks = [router.pick(servers) for _ in range(300)]
    again = Router(Balancing.RANDOM, random.Random(7))
    assert [again.pick(servers) for _ in range(300)] == picks
    draw = random.Random(7)
    assert picks == [draw.choice(servers) for _ in range(300)]
    for candidate in servers:  # about 100 each with this seed
        assert picks.count(candidate) > 50
    other = Router(Balancing.RANDOM, random.Random(8))
    assert [other.pick(servers) for _ in range(300)] != picks


def test_mru_picks_the_most_recently_used() -> None:
    old, latest, middle = (
        server("old", used=1.0),
        server("latest", used=3.0),
        server("mid", used=2.0),
    )
    router = Router(Balancing.MRU)
    assert router.pick([old, latest, middle]) is latest
    assert router.pick([old, middle]) is middle
    # Busier does not matter: MRU keeps few servers warm.
    busy = server("busy", capacity=4, active=3, used=5.0)
    assert router.pick([old, busy]) is busy
