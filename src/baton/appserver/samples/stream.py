"""Writes lines one at a time: output reaches the browser while the program still runs.

Each line is flushed as it is written, so a browser (or ``curl -N``) shows them arriving every
``delay`` seconds instead of all at the end.

Try it: /broker?_PROGRAM=sample.stream&count=10&delay=1
"""

from __future__ import annotations

import time

from baton import program

#: The most lines, and the longest pause between two, that a request may ask for.
MAX_COUNT = 50
MAX_DELAY = 5.0


def main(count: int = 5, delay: float = 0.5) -> None:
    """Write ``count`` numbered lines, one every ``delay`` seconds.

    Args:
        count: how many lines (at most 50).
        delay: seconds between two lines (at most 5).
    """
    count = max(0, min(count, MAX_COUNT))
    delay = max(0.0, min(delay, MAX_DELAY))
    program.header("Content-Type", "text/plain; charset=utf-8")
    for number in range(1, count + 1):
        if number > 1:
            time.sleep(delay)
        program.webout.write(f"line {number} of {count}\n")
        program.webout.flush()
