"""Cron schedules: parsing, time zones and daylight saving, and the catch-up plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton.errors import InvalidInput
from baton.jobs.cron import MAX_CATCH_UP, CronSchedule, Plan, plan
from baton.registry.enums import CatchUp

NOW = datetime(2026, 6, 15, 12, 30, 20, 250_000, tzinfo=UTC)
HOURLY = CronSchedule.parse("0 * * * *")


def at(hour: int, minute: int = 0, second: int = 0, day: int = 15) -> datetime:
    return datetime(2026, 6, day, hour, minute, second, tzinfo=UTC)


def chained(result: Plan, stored: datetime) -> None:
    """Each step starts where the one before left the stored time."""
    current = stored
    for step in result.steps:
        assert step.expected == current
        assert step.next_fire is not None
        current = step.next_fire


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "spec"),
        ("not cron", "spec"),
        ("61 * * * *", "spec"),
        ("* * * * * * * *", "spec"),
        ("H * * * *", "spec"),
        ("0 0 31 2 *", "spec"),  # never fires
        ("0 0 1 1 * 0 2001", "spec"),  # only in the past
    ],
)
def test_an_expression_that_does_not_fire_is_refused_naming_spec(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CronSchedule.parse(text)
    assert caught.value.field == field


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "../../etc/passwd", "x" * 65])
def test_an_unknown_time_zone_is_refused_naming_timezone(zone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CronSchedule.parse("0 * * * *", zone)
    assert caught.value.field == "timezone"


def test_five_six_and_seven_fields_and_names() -> None:
    assert CronSchedule.parse("  0   *  * * * ").expression == "0 * * * *"
    assert CronSchedule.parse("* * * * * *").next_after(NOW) == at(12, 30, 21)
    assert CronSchedule.parse("0 12 * * * 30").next_after(NOW) == at(12, 0, 30, day=16)
    assert CronSchedule.parse("@daily").next_after(NOW) == at(0, day=16)
    assert CronSchedule.parse("0 0 1 1 * 0 2030").next_after(NOW) == datetime(
        2030, 1, 1, tzinfo=UTC
    )


def test_times_are_read_in_the_zone_and_returned_in_utc() -> None:
    paris = CronSchedule.parse("30 9 * * *", "Europe/Paris")
    assert paris.next_after(NOW) == at(7, 30, day=16)  # summer time: UTC+2
    winter = datetime(2026, 1, 10, 12, tzinfo=UTC)
    assert paris.next_after(winter) == datetime(2026, 1, 11, 8, 30, tzinfo=UTC)  # UTC+1


def test_a_time_skipped_when_clocks_go_forward_fires_just_after() -> None:
    paris = CronSchedule.parse("30 2 * * *", "Europe/Paris")
    before = datetime(2026, 3, 28, 12, tzinfo=UTC)
    # 29 March 2026, 02:30 does not exist in Paris: it fires at 03:00 CEST (01:00 UTC).
    assert paris.next_after(before) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_an_interval_keeps_real_time_when_clocks_go_back() -> None:
    paris = CronSchedule.parse("*/30 * * * *", "Europe/Paris")
    start = datetime(2026, 10, 24, 23, 50, tzinfo=UTC)  # 01:50 CEST
    times = []
    moment = start
    for _ in range(5):
        found = paris.next_after(moment)
        assert found is not None
        times.append(found)
        moment = found
    gaps = {later - earlier for earlier, later in zip(times, times[1:], strict=False)}
    assert gaps == {timedelta(minutes=30)}


def test_between_includes_both_ends_and_keeps_the_most_recent() -> None:
    assert HOURLY.between(at(9), at(12), 10) == [at(9), at(10), at(11), at(12)]
    assert HOURLY.between(at(9), at(12), 2) == [at(11), at(12)]
    assert HOURLY.between(at(9, 1), at(9, 59), 10) == []


def test_nothing_due_is_an_empty_plan() -> None:
    assert plan(HOURLY, at(13), NOW, CatchUp.ALL) == Plan((), 0, 0)


def test_a_time_that_came_due_fires_once_and_the_next_is_after_now() -> None:
    result = plan(HOURLY, at(12), NOW, CatchUp.ALL)
    assert [(s.expected, s.fire_at, s.next_fire) for s in result.steps] == [
        (at(12), at(12), at(13))
    ]
    assert (result.due, result.fired, result.skipped) == (1, 1, 0)


def test_catch_up_none_skips_every_missed_time() -> None:
    result = plan(HOURLY, at(9), NOW, CatchUp.NONE)
    assert [(s.expected, s.fire_at, s.next_fire) for s in result.steps] == [(at(9), None, at(13))]
    assert (result.due, result.fired, result.skipped) == (4, 0, 4)


def test_catch_up_latest_fires_the_most_recent_missed_time() -> None:
    result = plan(HOURLY, at(9), NOW, CatchUp.LATEST)
    assert [(s.fire_at, s.next_fire) for s in result.steps] == [(None, at(12)), (at(12), at(13))]
    assert (result.due, result.fired) == (4, 1)
    chained(result, at(9))


def test_catch_up_all_fires_each_missed_time_in_order() -> None:
    result = plan(HOURLY, at(9), NOW, CatchUp.ALL)
    assert [s.fire_at for s in result.steps] == [at(9), at(10), at(11), at(12)]
    assert result.steps[-1].next_fire == at(13)
    chained(result, at(9))


def test_catch_up_all_is_capped_to_the_most_recent_times() -> None:
    every_second = CronSchedule.parse("* * * * * *")
    stored = NOW.replace(microsecond=0) - timedelta(seconds=500)
    result = plan(every_second, stored, NOW, CatchUp.ALL)
    fired = [s.fire_at for s in result.steps if s.fire_at is not None]
    assert len(fired) == MAX_CATCH_UP
    assert fired[-1] == NOW.replace(microsecond=0)
    assert result.steps[0].fire_at is None  # the older ones are skipped first
    assert result.due == MAX_CATCH_UP + 1 and result.skipped >= 1
    chained(result, stored)


def test_a_schedule_that_ends_leaves_no_next_time() -> None:
    once = CronSchedule.parse("0 0 1 1 * 0 2030")
    stored = datetime(2030, 1, 1, tzinfo=UTC)
    result = plan(once, stored, stored + timedelta(hours=1), CatchUp.LATEST)
    assert [(s.fire_at, s.next_fire) for s in result.steps] == [(stored, None)]
