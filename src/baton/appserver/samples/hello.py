"""Greets someone: the smallest Baton program, with a typed entry point.

Run it from a form or a link: /broker?_PROGRAM=sample.hello&name=Ada
"""

from __future__ import annotations


def main(name: str = "world", times: int = 1) -> dict[str, object]:
    """Say hello ``times`` times."""
    return {"greeting": " ".join(f"Hello, {name}!" for _ in range(max(1, min(times, 10))))}
