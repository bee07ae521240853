"""The broker's own pages: errors, the welcome page, STATUS and LOADSTAT, the debug trailer.

Each page is a complete, small HTML5 document without external assets, or JSON when the client
prefers it (:func:`wants_json`). Every value from a request, a program or the registry is escaped
with :func:`html.escape` (quotes too); in JSON, ``<``, ``>`` and ``&`` are written as ``\\u003c``
and the like, so a body shown as HTML by mistake still runs no markup. A page function returns
``(body, content type)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from html import escape
from http import HTTPStatus

from baton.broker.debug import DebugFlag

HTML = "text/html; charset=utf-8"
JSON = "application/json"

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .5rem;"
    "text-align:left}pre{background:#f4f4f4;padding:.5rem;overflow:auto}"
)


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    """A service as the welcome page lists it."""

    name: str
    kind: str
    description: str


@dataclass(frozen=True, slots=True)
class ServerRow:
    """One application server's state and counters, a row of STATUS and LOADSTAT.

    Attributes:
        service: the service it serves.
        server_id: the load manager's id for it.
        address: where it listens (``tcp:host:port`` or ``unix:path``).
        pid: its process id, None when unknown (a server on another host).
        state: its lifecycle state (``IDLE``, ``BUSY``, ...).
        active: requests it runs now.
        capacity: requests it may run at once.
        requests: requests it has served.
        longest: the longest request, in seconds.
        average: the average request, in seconds.
        waited_percent: the share of requests that queued before it took them, 0 to 100.
        average_wait: the average queueing time of those that waited, in seconds.
    """

    service: str
    server_id: str
    address: str
    pid: int | None
    state: str
    active: int
    capacity: int
    requests: int
    longest: float
    average: float
    waited_percent: float
    average_wait: float


def wants_json(accept: str | None) -> bool:
    """Whether a client prefers ``application/json`` to ``text/html``, by its Accept q-values.

    Each type's quality comes from the most specific range that matches it (``text/html`` before
    ``text/*`` before ``*/*``); a type no range matches has quality 0. A tie, or no Accept header,
    means HTML.

    Args:
        accept: the request's Accept header, or None.
    """
    if not accept:
        return False
    ranges = _accept_ranges(accept)
    return _quality(ranges, "application", "json") > _quality(ranges, "text", "html")


def message_page(title: str, message: str, *, as_json: bool) -> tuple[bytes, str]:
    """A short answer of the broker's own (PING, STOP): ``{"message": ...}`` or a page."""
    if as_json:
        return _json({"message": message})
    return _document(title, f"<p>{_e(message)}</p>")


def error_page(
    status: int,
    code: str,
    detail: str,
    *,
    program: str | None,
    service: str | None,
    as_json: bool,
) -> tuple[bytes, str]:
    """The page of a failed request.

    Args:
        status: the HTTP status; its reason phrase titles the HTML page (``404 Not Found``).
        code: the error's stable code (``program_not_found``).
        detail: the error's sentence.
        program: the ``_PROGRAM`` concerned, if any.
        service: the ``_SERVICE`` concerned, if any.
        as_json: JSON ``{"error", "detail", "program", "service"}`` instead of HTML.
    """
    if as_json:
        return _json({"error": code, "detail": detail, "program": program, "service": service})
    title = _status_title(status)
    body = [f"<p>{_e(detail)}</p>", "<dl>"]
    if program is not None:
        body.append(f"<dt>Program</dt><dd><code>{_e(program)}</code></dd>")
    if service is not None:
        body.append(f"<dt>Service</dt><dd><code>{_e(service)}</code></dd>")
    body.append(f"<dt>Error</dt><dd><code>{_e(code)}</code></dd></dl>")
    return _document(title, "\n".join(body))


def welcome_page(
    services: Sequence[ServiceSummary], *, user: str | None, broker_path: str, as_json: bool
) -> tuple[bytes, str]:
    """The page of the broker URL without fields: the services the user may use.

    Args:
        services: the services to list, in order.
        user: the signed-in user, None when anonymous.
        broker_path: the path the forms submit to (``/broker``).
        as_json: JSON ``{"user", "broker", "services": [{"name", "kind", "description"}]}``.
    """
    if as_json:
        listed = [asdict(service) for service in services]
        return _json({"user": user, "broker": broker_path, "services": listed})
    who = f"Signed in as <b>{_e(user)}</b>." if user is not None else "Not signed in."
    body = [f"<p>{who} Run a program: choose a service and name the program.</p>"]
    if not services:
        body.append("<p>No services are available to you.</p>")
    for service in services:
        # GET: the result's URL can be bookmarked and shared, as links to the broker always could.
        body.append(
            f"<section><h2>{_e(service.name)} <small>({_e(service.kind)})</small></h2>"
            f"<p>{_e(service.description)}</p>"
            f'<form method="get" action="{_e(broker_path)}">'
            f'<input type="hidden" name="_SERVICE" value="{_e(service.name)}">'
            f'<label>Program <input name="_PROGRAM" required placeholder="library.program">'
            f'</label> <button type="submit">Run</button></form></section>'
        )
    return _document("Baton broker", "\n".join(body))


def loadstat_page(rows: Sequence[ServerRow], *, as_json: bool) -> tuple[bytes, str]:
    """LOADSTAT: every column of every server's row (JSON: a list of the rows' fields)."""
    if as_json:
        return _json([asdict(row) for row in rows])
    headings = (
        "Service",
        "Server",
        "Address",
        "PID",
        "State",
        "Active",
        "Requests",
        "Longest",
        "Average",
        "Waited",
        "Average wait",
    )
    cells = [
        (
            _e(row.service),
            _e(row.server_id),
            _e(row.address),
            _pid(row.pid),
            _e(row.state),
            f"{row.active}/{row.capacity}",
            str(row.requests),
            _seconds(row.longest),
            _seconds(row.average),
            f"{row.waited_percent:.1f} %",
            _seconds(row.average_wait),
        )
        for row in rows
    ]
    return _document("Load statistics", _table(headings, cells))


def status_page(rows: Sequence[ServerRow], *, as_json: bool) -> tuple[bytes, str]:
    """STATUS: each server's service, id, state, pid, load and request count."""
    if as_json:
        return _json(
            [
                {
                    "service": row.service,
                    "server_id": row.server_id,
                    "state": row.state,
                    "pid": row.pid,
                    "active": row.active,
                    "capacity": row.capacity,
                    "requests": row.requests,
                }
                for row in rows
            ]
        )
    headings = ("Service", "Server", "State", "PID", "Active", "Requests")
    cells = [
        (
            _e(row.service),
            _e(row.server_id),
            _e(row.state),
            _pid(row.pid),
            f"{row.active}/{row.capacity}",
            str(row.requests),
        )
        for row in rows
    ]
    return _document("Server status", _table(headings, cells))


def debug_trailer(
    flags: DebugFlag,
    *,
    fields: Sequence[tuple[str, str]] = (),
    elapsed: float | None = None,
    log_lines: Sequence[str] = (),
    hostport: str | None = None,
    trace: Sequence[str] = (),
) -> bytes:
    """The HTML fragment appended to a ``text/html`` answer for the debug flags that are set.

    FIELDS gives a table of ``fields``; TIME ``Elapsed: 0.012 s`` (when ``elapsed`` is known);
    LOG the ``log_lines``; HOSTPORT ``Served by <hostport>`` (when known); TRACE the ``trace``
    lines. The other flags add nothing here. No flag: ``b""``.
    """
    parts: list[str] = []
    if DebugFlag.FIELDS in flags:
        rows = [(_e(name), _e(value)) for name, value in fields]
        parts.append("<h2>Fields</h2>" + _table(("Name", "Value"), rows))
    if DebugFlag.TIME in flags and elapsed is not None:
        parts.append(f"<p>Elapsed: {elapsed:.3f} s</p>")
    if DebugFlag.LOG in flags:
        parts.append("<h2>Log</h2>" + _pre(log_lines))
    if DebugFlag.HOSTPORT in flags and hostport is not None:
        parts.append(f"<p>Served by <code>{_e(hostport)}</code></p>")
    if DebugFlag.TRACE in flags:
        parts.append("<h2>Trace</h2>" + _pre(trace))
    if not parts:
        return b""
    return ('\n<div class="baton-debug"><hr>\n' + "\n".join(parts) + "\n</div>\n").encode()


def _accept_ranges(accept: str) -> list[tuple[str, str, float]]:
    """``(type, subtype, quality)`` of each well-formed range; others are ignored."""
    ranges: list[tuple[str, str, float]] = []
    for item in accept.split(","):
        media, *parameters = item.split(";")
        kind, slash, subtype = media.strip().lower().partition("/")
        if not (kind and slash and subtype):
            continue
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if 0.0 <= quality <= 1.0:  # also false for NaN
            ranges.append((kind, subtype, quality))
    return ranges


def _quality(ranges: Sequence[tuple[str, str, float]], kind: str, subtype: str) -> float:
    best, quality = -1, 0.0
    for range_kind, range_subtype, range_quality in ranges:
        if range_kind == kind and range_subtype == subtype:
            specificity = 2
        elif range_kind == kind and range_subtype == "*":
            specificity = 1
        elif range_kind == "*" and range_subtype == "*":
            specificity = 0
        else:
            continue
        if specificity > best:
            best, quality = specificity, range_quality
    return quality


def _e(text: str) -> str:
    return escape(text, quote=True)


def _status_title(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def _document(title: str, body: str) -> tuple[bytes, str]:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n{body}\n</body>\n</html>\n"
    )
    return page.encode(), HTML


def _json(value: object) -> tuple[bytes, str]:
    text = json.dumps(value, ensure_ascii=False)
    # Outside strings JSON has none of these characters, so the escapes change no value.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode(), JSON


def _table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of cells already escaped; a row of one cell says so when there is no row."""
    head = "".join(f"<th>{heading}</th>" for heading in headings)
    lines = ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    lines += ["<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
    if not rows:
        lines.append(f'<tr><td colspan="{len(headings)}">None.</td></tr>')
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def _pre(lines: Sequence[str]) -> str:
    return "<pre>" + "\n".join(_e(line) for line in lines) + "</pre>"


def _pid(pid: int | None) -> str:
    return "" if pid is None else str(pid)


def _seconds(value: float) -> str:
    return f"{value:.3f} s"
