"""Counts a visitor's requests in a session: state that survives between requests.

The first request creates a session on the application server that ran it; the page links to
``session.url`` (``_THISSESSION``), which brings the next request back to that server and
session, where the count goes on. ``reset=1`` ends the session; a session left alone ends
``timeout`` seconds after its last request.

Try it: /broker?_PROGRAM=sample.counter (then follow "Count again"; add &reset=1 to stop)
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from baton import program


def main(timeout: float = 600.0, reset: bool = False) -> None:
    """Add one to this session's count and show it.

    Args:
        timeout: seconds a new session lives after its last request (1 to 86,400).
        reset: end the session instead of counting.
    """
    session = program.session
    myself = program.params.get("_PROGRAM", "sample.counter")
    if reset:
        session.delete()
        start = [("_PROGRAM", myself)]
        if "_SERVICE" in program.params:
            start.append(("_SERVICE", program.params["_SERVICE"]))
        broker = program.env.get("SCRIPT_NAME", "") or "/broker"
        link = f"{broker}?{urlencode(start)}"
        page("Session ended", f'<p><a id="start" href="{escape(link)}">Start again</a></p>')
        return
    if not session.active:
        session.create(timeout=max(1.0, min(timeout, program.MAX_SESSION_TIMEOUT)))
    previous = session.get("count", 0)
    count = (previous if isinstance(previous, int) else 0) + 1
    session["count"] = count
    again = f"{session.url}&{urlencode([('_PROGRAM', myself)])}"
    page(
        f"Count: {count}",
        f'<p><a id="again" href="{escape(again)}">Count again</a>'
        f' &middot; <a id="reset" href="{escape(again)}&amp;reset=1">End the session</a></p>',
    )


def page(heading: str, content: str) -> None:
    """Write an HTML page: ``heading`` (text, escaped here) over ``content`` (HTML)."""
    title = escape(heading)
    program.webout.write(
        "<!doctype html>\n"
        '<html lang="en">\n'
        f'<head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body>\n<h1>{title}</h1>\n{content}\n</body>\n</html>\n"
    )
