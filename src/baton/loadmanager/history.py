"""The dispatcher's recent past: per service, requests handled and queue length over time.

A :class:`DispatcherHistory` samples the load manager's live pools every ``interval`` seconds
(10 by default) and keeps the last ``keep`` samples (360: one hour) in a ring. What it records
per service is what the pool already counts, never a count of its own:

- ``requests``: requests the pool's servers answered since the pool started, whatever the
  outcome (each server's :class:`~baton.loadmanager.stats.ServerStats`, plus the pool's
  ``retired`` totals of the servers that stopped): the LOADSTAT figures, summed;
- ``queue``: requests waiting for a server at that moment.

:meth:`DispatcherHistory.view` answers the samples with requests per second computed between
consecutive samples. A count that went down means the service's pool was replaced (its
definition changed): like Prometheus's ``rate()``, the new count is taken as counted from zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from baton.loadmanager.pool import ServicePool

logger = logging.getLogger(__name__)

#: Seconds between two samples.
SAMPLE_SECONDS = 10.0
#: Samples kept: one hour at :data:`SAMPLE_SECONDS`.
KEEP_SAMPLES = 360


@dataclass(frozen=True)
class Sample:
    """The live pools at one moment.

    Attributes:
        at: when (UTC wall clock, for people).
        clock: when (monotonic seconds, for rates: immune to clock changes).
        requests: per service, requests answered since its pool started.
        queue: per service, requests waiting then.
    """

    at: datetime
    clock: float
    requests: Mapping[str, int]
    queue: Mapping[str, int]


class ServicePoint(BaseModel):
    """One service at one sample."""

    service: str
    requests: int = Field(description="Requests its servers answered since its pool started.")
    requests_per_second: float | None = Field(
        description="Requests per second since the previous sample (null at the first sample)."
    )
    queue: int = Field(description="Requests waiting for a server at that moment.")


class HistoryPoint(BaseModel):
    """The live pools at one sample."""

    at: datetime
    services: list[ServicePoint]


class DispatcherHistoryView(BaseModel):
    """The samples kept, oldest first."""

    interval: float = Field(description="Seconds between two samples.")
    keep: int = Field(description="The most samples kept (older ones are dropped).")
    samples: list[HistoryPoint]


def requests_answered(pool: ServicePool) -> int:
    """Requests ``pool``'s servers answered, the stopped ones' included."""
    return pool.retired.requests + sum(server.stats.requests for server in pool.servers)


def _rate(now: int, before: int | None, seconds: float) -> float | None:
    if before is None or seconds <= 0:
        return None
    counted = now - before if now >= before else now  # a new pool counts from zero
    return counted / seconds


class DispatcherHistory:
    """Samples of the live pools, kept in a ring; sampled in the background once started.

    Args:
        pools: the live pools by service name (``LoadManager.pools``).
        interval: seconds between two samples.
        keep: the most samples kept.
    """

    def __init__(
        self,
        pools: Callable[[], Mapping[str, ServicePool]],
        *,
        interval: float = SAMPLE_SECONDS,
        keep: int = KEEP_SAMPLES,
    ) -> None:
        if interval <= 0 or keep < 1:
            raise ValueError("interval must be positive and keep at least 1")
        self._pools = pools
        self.interval = interval
        self.keep = keep
        self._samples: deque[Sample] = deque(maxlen=keep)
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> Sample:
        """Record the live pools as they are now; the sample."""
        pools = dict(self._pools())
        taken = Sample(
            at=datetime.now(UTC),
            clock=time.monotonic(),
            requests={name: requests_answered(pool) for name, pool in pools.items()},
            queue={name: pool.queue_length for name, pool in pools.items()},
        )
        self._samples.append(taken)
        return taken

    def samples(self) -> list[Sample]:
        """The samples kept, oldest first."""
        return list(self._samples)

    def view(self) -> DispatcherHistoryView:
        """The samples kept with requests per second between consecutive ones.

        A service absent from the previous sample had no pool then: its count started at zero
        in between. The first sample kept has no rate (its predecessor was dropped).
        """
        points: list[HistoryPoint] = []
        previous: Sample | None = None
        for taken in self._samples:
            seconds = taken.clock - previous.clock if previous is not None else 0.0
            services = [
                ServicePoint(
                    service=name,
                    requests=count,
                    requests_per_second=_rate(
                        count,
                        None if previous is None else previous.requests.get(name, 0),
                        seconds,
                    ),
                    queue=taken.queue.get(name, 0),
                )
                for name, count in sorted(taken.requests.items())
            ]
            points.append(HistoryPoint(at=taken.at, services=services))
            previous = taken
        return DispatcherHistoryView(interval=self.interval, keep=self.keep, samples=points)

    def start(self) -> None:
        """Sample now, then every ``interval`` seconds until :meth:`aclose`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def aclose(self) -> None:
        """Stop sampling (the samples kept stay readable); idempotent."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # a broken sample must not end the history
                logger.exception("cannot sample the dispatcher's pools")
            await asyncio.sleep(self.interval)
