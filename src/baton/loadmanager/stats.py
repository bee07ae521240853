"""Per-server request statistics: what ``_PROGRAM=LOADSTAT`` shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ServerStats:
    """Counts since a server started (or, for a service's retired servers, summed).

    Attributes:
        requests: requests it answered (whatever the outcome).
        total_time: seconds those requests took, from acquiring the server to releasing it.
        longest: the longest of them, in seconds.
        waited: how many had to wait in the queue first.
        total_wait: seconds spent waiting in the queue, summed.
    """

    requests: int = 0
    total_time: float = 0.0
    longest: float = 0.0
    waited: int = 0
    total_wait: float = 0.0

    def record(self, duration: float, wait: float, *, queued: bool) -> None:
        """Count one request that took ``duration`` s after waiting ``wait`` s."""
        self.requests += 1
        self.total_time += duration
        self.longest = max(self.longest, duration)
        if queued:
            self.waited += 1
            self.total_wait += wait

    def absorb(self, other: ServerStats) -> None:
        """Add ``other``'s counts to these (a server retires into its service's totals)."""
        self.requests += other.requests
        self.total_time += other.total_time
        self.longest = max(self.longest, other.longest)
        self.waited += other.waited
        self.total_wait += other.total_wait

    @property
    def average(self) -> float:
        """Seconds per request (0 before the first)."""
        return self.total_time / self.requests if self.requests else 0.0

    @property
    def waited_percent(self) -> float:
        """The share of requests that waited, in percent."""
        return 100.0 * self.waited / self.requests if self.requests else 0.0

    @property
    def average_wait(self) -> float:
        """Seconds waited per request that waited."""
        return self.total_wait / self.waited if self.waited else 0.0
