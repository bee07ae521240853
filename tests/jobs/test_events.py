"""The control plane's event bus: waits with filters and timeouts, listeners."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from baton.jobs.events import EventBus, matches


def test_filters_are_cel_over_the_payload_and_a_failing_one_does_not_match() -> None:
    assert matches(None, {}) and matches("", {"a": 1})
    assert matches("event.n > 1", {"n": 2})
    assert not matches("event.n > 1", {"n": 1})
    assert not matches("event.missing == 1", {"n": 1})  # a missing key: no match, no error
    assert not matches("event.n", {"n": 1})  # not a boolean


@pytest.mark.anyio
async def test_a_wait_takes_the_first_event_passing_its_filter() -> None:
    bus = EventBus()
    seen: list[tuple[str, dict[str, Any], str]] = []
    bus.listen(lambda name, payload, source: seen.append((name, payload, source)))
    waiting = asyncio.create_task(bus.wait("go", "event.n > 1", timeout=5))
    await asyncio.sleep(0)
    assert bus.waiting("go") == 1
    assert bus.publish("go", {"n": 1}) == 0
    assert bus.publish("other", {"n": 5}) == 0
    assert bus.publish("go", {"n": 2}, source="test") == 1
    assert await waiting == {"n": 2}
    assert bus.waiting("go") == 0
    assert [name for name, _, _ in seen] == ["go", "other", "go"]
    assert seen[-1][2] == "test"


@pytest.mark.anyio
async def test_a_wait_times_out_and_leaves_nothing_behind() -> None:
    bus = EventBus()
    with pytest.raises(TimeoutError):
        await bus.wait("never", None, timeout=0.05)
    assert bus.waiting("never") == 0


@pytest.mark.anyio
async def test_a_broken_listener_does_not_stop_the_others() -> None:
    bus = EventBus()
    calls: list[str] = []

    def broken(name: str, payload: dict[str, Any], source: str) -> None:
        raise RuntimeError("bug")

    bus.listen(broken)
    bus.listen(lambda name, payload, source: calls.append(name))
    bus.publish("x", {})
    assert calls == ["x"]
