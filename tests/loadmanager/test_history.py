"""``DispatcherHistory``: samples of a real load manager's pools (real application servers),
requests per second between samples, the queue length, the bounded ring, the background task."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from baton.loadmanager.history import DispatcherHistory, requests_answered
from baton.loadmanager.manager import LoadManager
from baton.loadmanager.pool import ServicePool
from baton.registry.database import Database
from tests.appserver.serverprocess import PATIENCE
from tests.conftest import sqlite_copy
from tests.loadmanager.servers import replace, served_by, service, until

pytestmark = pytest.mark.anyio


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the history reads the pools, not the registry."""
    return sqlite_copy(tmp_path, sqlite_template)


async def answer(pool: ServicePool, times: int) -> None:
    """Have ``pool``'s servers answer ``times`` requests, as the broker does."""
    for _ in range(times):
        lease = await pool.acquire()
        await served_by(lease)
        pool.release(lease)


async def test_requests_per_second_are_counted_between_samples(manager: LoadManager) -> None:
    history = DispatcherHistory(manager.pools)
    empty = history.sample()  # no pool yet: nothing to show
    pool = await manager.pool("svc")
    await answer(pool, 3)
    first = history.sample()
    await answer(pool, 2)
    second = history.sample()

    assert (empty.requests, empty.queue) == ({}, {})
    assert (first.requests, first.queue) == ({"svc": 3}, {"svc": 0})
    assert second.requests == {"svc": 5}
    view = history.view()
    assert (view.interval, view.keep) == (10.0, 360)
    assert [point.at for point in view.samples] == [empty.at, first.at, second.at]
    assert view.samples[0].services == []
    [appeared] = view.samples[1].services
    # The pool started between the samples: its 3 requests were answered in between.
    assert appeared.requests == 3 and appeared.queue == 0
    assert appeared.requests_per_second == pytest.approx(3 / (first.clock - empty.clock))
    [later] = view.samples[2].services
    assert later.requests_per_second == pytest.approx(2 / (second.clock - first.clock))


async def test_the_first_sample_kept_has_no_rate(manager: LoadManager) -> None:
    history = DispatcherHistory(manager.pools)
    await answer(await manager.pool("svc"), 1)
    history.sample()

    [point] = history.view().samples
    assert [(s.service, s.requests, s.requests_per_second) for s in point.services] == [
        ("svc", 1, None)
    ]


async def test_the_queue_length_is_sampled(manager: LoadManager) -> None:
    history = DispatcherHistory(manager.pools)
    pool = await manager.pool("svc")
    held = await pool.acquire()  # the only slot of the only server
    waiting = asyncio.create_task(pool.acquire())
    await until(lambda: pool.queue_length == 1, "a request to wait")
    queued = history.sample()
    pool.release(held)
    lease = await asyncio.wait_for(waiting, PATIENCE)
    pool.release(lease)
    drained = history.sample()

    assert queued.queue == {"svc": 1}
    assert drained.queue == {"svc": 0}
    assert drained.requests == {"svc": 2}
    assert [point.services[0].queue for point in history.view().samples] == [1, 0]


async def test_a_replaced_pool_counts_from_zero(manager: LoadManager, registry: Database) -> None:
    history = DispatcherHistory(manager.pools)
    old = await manager.pool("svc")
    await answer(old, 3)
    before = history.sample()
    replace(registry, service(settings={"max_servers": 2}))
    new = await manager.pool("svc")
    assert new is not old
    await answer(new, 1)
    after = history.sample()

    assert (before.requests, after.requests) == ({"svc": 3}, {"svc": 1})
    rate = history.view().samples[1].services[0].requests_per_second
    assert rate == pytest.approx(1 / (after.clock - before.clock))  # never negative


async def test_stopped_servers_stay_counted(manager: LoadManager) -> None:
    pool = await manager.pool("svc")
    await answer(pool, 2)
    [server] = pool.servers
    await manager.stop("svc", PATIENCE)  # its server retires into the pool's totals

    assert server not in pool.servers
    assert requests_answered(pool) == 2


async def test_the_ring_keeps_the_last_samples(manager: LoadManager) -> None:
    history = DispatcherHistory(manager.pools, interval=1, keep=3)
    pool = await manager.pool("svc")
    for _ in range(5):
        await answer(pool, 1)
        history.sample()

    assert [taken.requests["svc"] for taken in history.samples()] == [3, 4, 5]
    view = history.view()
    assert (view.interval, view.keep, len(view.samples)) == (1, 3, 3)
    assert view.samples[0].services[0].requests_per_second is None  # its predecessor is gone
    assert all(point.services[0].requests_per_second for point in view.samples[1:])


async def test_the_history_samples_in_the_background_until_closed(
    manager: LoadManager,
) -> None:
    history = DispatcherHistory(manager.pools, interval=0.05)
    history.start()
    history.start()  # once is enough
    try:
        await answer(await manager.pool("svc"), 1)
        await until(lambda: history.samples()[-1].requests == {"svc": 1}, "a sample of the request")
    finally:
        await history.aclose()
    await history.aclose()  # idempotent
    kept = history.samples()
    assert len(kept) >= 2 and kept[0].requests == {}
    assert [taken.clock for taken in kept] == sorted(taken.clock for taken in kept)


async def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        DispatcherHistory(dict, interval=0)
    with pytest.raises(ValueError, match="keep"):
        DispatcherHistory(dict, keep=0)
