"""Cron schedules: when a cron trigger fires, and what it does about the times it missed.

An expression has five fields (minute, hour, day of month, month, day of week), six (then
seconds, last: ``* * * * * *`` fires every second) or seven (then a year), or is one of the
``@hourly``-style names; croniter reads it. Its times are read in an IANA time zone: a time
that does not exist when clocks go forward fires at the first time after the gap, and a time
that occurs twice when they go back fires at each occurrence (a daily ``30 2 * * *`` in
``Europe/Paris`` fires twice on that night; use UTC, or a time outside the changed hour, to
avoid it). Times are kept and compared in UTC.

:func:`plan` turns the cron times that came due since a trigger's stored next fire time into
:class:`Step` values: each a compare-and-set of that stored time, with the time fired (if any).
A control plane that starts applies the trigger's :class:`~baton.registry.enums.CatchUp`
policy to the times it missed while it was down; a running one fires every time that came due.
Either way at most :data:`MAX_CATCH_UP` times fire at once, the most recent ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter

from baton.errors import InvalidInput
from baton.registry.enums import CatchUp

#: The most missed times fired at once (policy ``all``, or a long pause of a running loop).
MAX_CATCH_UP = 100
#: The longest expression (the registry's column).
MAX_EXPRESSION = 500
#: The longest time zone name (the registry's column).
MAX_ZONE = 64


@dataclass(frozen=True)
class CronSchedule:
    """A cron expression read in a time zone (build it with :meth:`parse`)."""

    expression: str
    zone: ZoneInfo

    @classmethod
    def parse(cls, expression: str, timezone: str = "UTC") -> CronSchedule:
        """The schedule of ``expression`` in ``timezone``.

        Raises:
            InvalidInput: ``spec`` is not a cron expression croniter reads, or it never fires;
                ``timezone`` is not an IANA time zone.
        """
        zone = zone_of(timezone)
        text = " ".join(expression.split())
        if not text or len(text) > MAX_EXPRESSION:
            raise InvalidInput("spec", f"a cron expression has 1 to {MAX_EXPRESSION} characters")
        schedule = cls(text, zone)
        try:
            following = schedule.next_after(datetime.now(UTC))
        except CroniterError as exc:
            raise InvalidInput("spec", f"{text!r} is not a cron expression: {exc}") from None
        if following is None:
            raise InvalidInput("spec", f"{text!r} never fires from now on")
        return schedule

    def _iterator(self, start: datetime) -> croniter:
        return croniter(self.expression, start.astimezone(self.zone))

    def next_after(self, moment: datetime) -> datetime | None:
        """The first time strictly after ``moment``, in UTC (None: there is none).

        Raises:
            CroniterError: the expression cannot be read.
        """
        iterator = self._iterator(moment)
        try:
            found: datetime = iterator.get_next(datetime)
        except CroniterBadDateError:  # no later time (a day that never comes, a past year)
            return None
        return found.astimezone(UTC)

    def between(self, first: datetime, last: datetime, limit: int) -> list[datetime]:
        """The times from ``first`` to ``last`` (both included), at most the ``limit`` most
        recent ones, oldest first, in UTC."""
        # Times are whole seconds: those at or before `last` come before its next whole second.
        iterator = self._iterator(last.replace(microsecond=0) + timedelta(seconds=1))
        found: list[datetime] = []
        while len(found) < limit:
            try:
                moment = iterator.get_prev(datetime).astimezone(UTC)
            except CroniterError:  # no earlier time (a schedule bounded by its year)
                break
            if moment < first:
                break
            found.append(moment)
        found.reverse()
        return found


def zone_of(timezone: str) -> ZoneInfo:
    """The IANA time zone ``timezone``, or :class:`InvalidInput` naming ``timezone``."""
    if not timezone or len(timezone) > MAX_ZONE:
        raise InvalidInput("timezone", f"a time zone name has 1 to {MAX_ZONE} characters")
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "timezone", f"{timezone!r} is not an IANA time zone (such as UTC or Europe/Paris)"
        ) from None


@dataclass(frozen=True)
class Step:
    """One change of a trigger's stored next fire time, made only if it still is ``expected``.

    Attributes:
        expected: the stored next fire time the step starts from.
        fire_at: the cron time this step fires for; None: it fires nothing (missed times
            skipped).
        next_fire: the stored next fire time after the step (None: the schedule has no
            more times).
    """

    expected: datetime
    fire_at: datetime | None
    next_fire: datetime | None


@dataclass(frozen=True)
class Plan:
    """What to do about the times that came due.

    Attributes:
        steps: to apply in order (each in its own transaction).
        due: how many times came due (at most ``MAX_CATCH_UP + 1``: more means more).
        fired: how many of them the steps fire.
    """

    steps: tuple[Step, ...]
    due: int
    fired: int

    @property
    def skipped(self) -> int:
        """How many due times do not fire (at least)."""
        return self.due - self.fired


def plan(
    schedule: CronSchedule,
    stored: datetime,
    now: datetime,
    policy: CatchUp,
    *,
    limit: int = MAX_CATCH_UP,
) -> Plan:
    """The steps for the times from ``stored`` (the trigger's next fire time) to ``now``.

    ``policy`` is the trigger's catch-up policy when the control plane starts, and
    ``CatchUp.ALL`` while it runs (every time that came due fires). The last step always
    leaves the first time after ``now``; with ``stored`` after ``now``, the plan is empty.
    """
    if stored > now:
        return Plan((), 0, 0)
    following = schedule.next_after(now)
    due = schedule.between(stored, now, limit + 1)
    if policy is CatchUp.NONE or not due:
        return Plan((Step(stored, None, following),), len(due), 0)
    fire = due[-1:] if policy is CatchUp.LATEST else due[-limit:]
    steps: list[Step] = []
    current = stored
    if fire[0] != current:  # older times are skipped
        steps.append(Step(current, None, fire[0]))
        current = fire[0]
    for index, moment in enumerate(fire):
        after = fire[index + 1] if index + 1 < len(fire) else following
        steps.append(Step(current, moment, after))
        if after is not None:
            current = after
    return Plan(tuple(steps), len(due), len(fire))
