"""A CSV download: sales by region and year, optionally for one region.

The headers make the browser save the answer as ``regions.csv`` instead of showing it.

Try it: /broker?_PROGRAM=sample.table&region=north
"""

from __future__ import annotations

import csv
import io

from baton import program

#: The built-in data set: (region, year, sales).
SALES = (
    ("north", 2023, 412_000),
    ("north", 2024, 455_500),
    ("south", 2023, 298_250),
    ("south", 2024, 331_000),
    ("east", 2023, 507_750),
    ("east", 2024, 489_100),
    ("west", 2023, 366_400),
    ("west", 2024, 402_900),
)


def main(region: str = "") -> None:
    """Write the sales table as CSV, every region or only ``region``.

    Args:
        region: the region to keep (north, south, east or west); empty for all of them.
    """
    wanted = region.strip().lower()
    # One write: csv ends every row with a newline, and each newline would be a frame of its own.
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(("region", "year", "sales"))
    writer.writerows(row for row in SALES if not wanted or row[0] == wanted)
    program.header("Content-Type", "text/csv; charset=utf-8")
    program.header("Content-Disposition", 'attachment; filename="regions.csv"')
    program.webout.write(text.getvalue())
