"""Choosing a host for a definition that runs on several: per-host totals, each strategy."""

from __future__ import annotations

from baton.registry.enums import Balancing
from baton.spawner.remote import HostLoad, load_of, pick_host, with_asking


def load(name: str, *, servers: int = 1, clients: int = 0, cost: int = 0, rt: float = 0.0):
    return HostLoad(name, servers, clients, cost, rt)


def test_totals_count_running_and_starting_servers_only() -> None:
    servers = [
        {"state": "RUNNING", "clients": 2, "cost": 20, "response_time": 0.5},
        {"state": "STARTING", "clients": 0, "cost": 5, "response_time": 0.0},
        {"state": "BACKOFF", "clients": 0, "cost": 0, "response_time": 9.0},
        {"state": "RUNNING", "clients": 1, "cost": 10, "response_time": 1.5},
    ]
    assert load_of("h", servers) == HostLoad("h", 3, 3, 35, 1.0)
    assert load_of("h", []) == HostLoad("h", 0, 0, 0, 0.0)


def test_cost_picks_the_lowest_total_then_fewer_clients_then_order() -> None:
    hosts = [load("a", cost=30, clients=3), load("b", cost=10, clients=5), load("c", cost=10)]
    assert pick_host(hosts, Balancing.COST).name == "c"
    assert pick_host(hosts[:2], Balancing.COST).name == "b"
    assert pick_host([load("x"), load("y")], Balancing.COST).name == "x"


def test_least_busy_picks_the_fewest_clients_then_fewer_servers() -> None:
    hosts = [load("a", clients=2), load("b", clients=1, servers=3), load("c", clients=1)]
    assert pick_host(hosts, Balancing.LEAST_BUSY).name == "c"


def test_response_time_prefers_the_fastest_and_tries_unmeasured_hosts() -> None:
    hosts = [load("a", rt=0.2), load("b", rt=0.1), load("c", rt=0.3)]
    assert pick_host(hosts, Balancing.RESPONSE_TIME).name == "b"
    assert pick_host([*hosts, load("d")], Balancing.RESPONSE_TIME).name == "d"


def test_round_robin_random_mru_lru() -> None:
    hosts = [load("a"), load("b"), load("c")]
    picked = [pick_host(hosts, Balancing.ROUND_ROBIN, turn=t).name for t in range(4)]
    assert picked == ["a", "b", "c", "a"]
    assert {pick_host(hosts, Balancing.RANDOM).name for _ in range(200)} == {"a", "b", "c"}
    used = {"a": 5.0, "b": 9.0}
    assert pick_host(hosts, Balancing.MRU, last_lease=used).name == "b"
    assert pick_host(hosts, Balancing.LRU, last_lease=used).name == "c"  # never used
    assert pick_host([], Balancing.COST) is None


def test_leases_on_their_way_count_as_clients() -> None:
    busy = load("a", clients=2, cost=20)
    assert with_asking(busy, 0) is busy
    assert with_asking(busy, 1) == load("a", clients=3, cost=30)
    assert with_asking(load("b"), 2) == load("b", clients=2, cost=2)
