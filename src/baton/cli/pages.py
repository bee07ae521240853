"""Reading a whole registry list, one page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from baton.registry.records import Page

T = TypeVar("T")

PAGE_SIZE = 500


def every(fetch: Callable[[int, int], Page[T]]) -> list[T]:
    """Every item of a list; ``fetch(limit, offset)`` returns one page of it."""
    items: list[T] = []
    while True:
        page = fetch(PAGE_SIZE, len(items))
        items.extend(page.items)
        if not page.items or len(items) >= page.total:
            return items
