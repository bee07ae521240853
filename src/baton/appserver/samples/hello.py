"""Greets someone: the smallest Baton program, and the one the benchmarks run.

An HTML page (``<h1>Hello, Ada!</h1>``) written to ``program.webout``; a client that asks for
JSON (``Accept: application/json``, without ``text/html``) gets ``{"greeting": "Hello, Ada!"}``.

Try it: /broker?_PROGRAM=sample.hello&name=Ada
"""

from __future__ import annotations

import html

from baton import program


def main(name: str = "world", times: int = 1) -> dict[str, str] | None:
    """Greet ``name``, as an HTML page or, when the client asks for it, as JSON.

    Args:
        name: who to greet.
        times: how many times to say it (1 to 10).

    Returns:
        ``{"greeting": ...}`` for a client that asks for JSON; otherwise the page is written
        and nothing is returned.
    """
    greeting = " ".join([f"Hello, {name}!"] * max(1, min(times, 10)))
    accept = program.env.get("HTTP_ACCEPT", "")
    if "application/json" in accept and "text/html" not in accept:
        return {"greeting": greeting}
    program.webout.write(f"<h1>{html.escape(greeting)}</h1>\n")
    return None
