"""Sums sales by region for a year: a sample analytics program returning a table."""

from __future__ import annotations

import random


def main(year: int = 2024, regions: str = "north,south,east,west") -> dict[str, object]:
    """Deterministic pseudo-random sales per region for ``year``."""
    rng = random.Random(year)
    names = [name.strip() for name in regions.split(",") if name.strip()]
    sales = {name: round(rng.uniform(1e5, 1e6), 2) for name in names}
    rows = [{"region": name, "sales": value} for name, value in sales.items()]
    return {"year": year, "rows": rows, "total": round(sum(sales.values()), 2)}
