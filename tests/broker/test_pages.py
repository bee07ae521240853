"""The broker's pages: well-formed HTML with everything escaped, JSON forms, Accept q-values."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from baton.broker.debug import DebugFlag
from baton.broker.pages import (
    HTML,
    JSON,
    ServerRow,
    ServiceSummary,
    debug_trailer,
    error_page,
    loadstat_page,
    status_page,
    wants_json,
    welcome_page,
)

pytestmark = pytest.mark.usefixtures("no_leaked_descriptors")

EVIL = "<script>alert('x')</script>&\""
VOID = {"meta", "input", "br", "hr", "img", "link"}


class Document(HTMLParser):
    """Checks that a page's tags nest and close, and collects its title, text and elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self.text = ""
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "title":
            self.title += data
        self.text += data


def parse(body: bytes, *, fragment: bool = False) -> Document:
    page = body.decode("utf-8")
    document = Document()
    document.feed(page)
    document.close()
    assert document.open == []
    assert "<script" not in page.lower()
    assert not [tag for tag, _ in document.tags if tag in ("link", "img", "iframe", "object")]
    if not fragment:
        assert document.doctype == "DOCTYPE html"
        assert [tag for tag, _ in document.tags][:3] == ["html", "head", "meta"]
        assert document.title
    return document


def row(**changes: object) -> ServerRow:
    values: dict[str, object] = {
        "service": "default",
        "server_id": "default-1",
        "address": "tcp:127.0.0.1:5001",
        "pid": 4242,
        "state": "IDLE",
        "active": 1,
        "capacity": 4,
        "requests": 17,
        "longest": 1.5,
        "average": 0.0125,
        "waited_percent": 12.5,
        "average_wait": 0.25,
    }
    values.update(changes)
    return ServerRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, False),
        ("", False),
        ("application/json", True),
        ("text/html", False),
        ("*/*", False),
        ("text/html, application/json", False),
        ("application/json, text/html", False),
        ("text/html;q=0.9, application/json", True),
        ("application/json;q=0.5, text/html;q=0.4", True),
        ("application/json; q=0.5, */*;q=0.9", False),
        ("application/*", True),
        ("application/json, text/*;q=0.1", True),
        ("text/html;q=0, application/json;q=0.001", True),
        ("application/json;q=0, */*", False),
        ("application/json;q=abc, text/html;q=0.5", False),
        ("application/json;q=2, text/html;q=0.5", False),
        ("application/json;q=nan", False),
        ("APPLICATION/JSON", True),
        ("garbage, application/json", True),
        ("text/html;level=1;q=0.2, application/json;q=0.3", True),
        ("*/*;q=0.8, application/json", True),
    ],
)
def test_wants_json_by_q_values(accept: str | None, expected: bool) -> None:
    assert wants_json(accept) is expected


def test_the_html_error_page_escapes_and_names_everything() -> None:
    body, content_type = error_page(
        404,
        "program_not_found",
        f"program {EVIL} was not found",
        program=EVIL,
        service=EVIL,
        as_json=False,
    )

    assert content_type == HTML
    assert b"<script>" not in body
    document = parse(body)
    assert document.title == "404 Not Found"
    assert f"program {EVIL} was not found" in document.text
    assert document.text.count(EVIL) == 3
    assert "program_not_found" in document.text


def test_an_error_page_without_program_or_service_says_neither() -> None:
    body, _ = error_page(503, "queue_full", "busy", program=None, service=None, as_json=False)

    document = parse(body)
    assert document.title == "503 Service Unavailable"
    assert "Program" not in document.text and "Service" not in document.text.replace(
        "Service Unavailable", ""
    )


def test_an_unknown_status_still_has_a_title() -> None:
    assert parse(error_page(599, "x", "y", program=None, service=None, as_json=False)[0]).title


def test_the_json_error_page() -> None:
    body, content_type = error_page(
        400, "malformed_body", EVIL, program="s.hello", service=None, as_json=True
    )

    assert content_type == JSON
    assert json.loads(body) == {
        "error": "malformed_body",
        "detail": EVIL,
        "program": "s.hello",
        "service": None,
    }
    assert b"<" not in body and b">" not in body and b"&" not in body


def test_the_welcome_page_lists_services_with_a_form_each() -> None:
    services = [
        ServiceSummary("default", "pool", "The default service"),
        ServiceSummary(EVIL, "socket", EVIL),
    ]

    body, content_type = welcome_page(
        services, user="ada", broker_path="/cgi-bin/broker", as_json=False
    )

    assert content_type == HTML
    assert b"<script>" not in body
    document = parse(body)
    assert "ada" in document.text and "The default service" in document.text
    forms = [attrs for tag, attrs in document.tags if tag == "form"]
    assert [form["action"] for form in forms] == ["/cgi-bin/broker", "/cgi-bin/broker"]
    hidden = [
        attrs for tag, attrs in document.tags if tag == "input" and attrs.get("type") == "hidden"
    ]
    assert [(field["name"], field["value"]) for field in hidden] == [
        ("_SERVICE", "default"),
        ("_SERVICE", EVIL),
    ]
    programs = [
        attrs for tag, attrs in document.tags if tag == "input" and attrs.get("name") == "_PROGRAM"
    ]
    assert len(programs) == 2


def test_the_welcome_page_for_nobody_and_no_service() -> None:
    document = parse(welcome_page([], user=None, broker_path="/broker", as_json=False)[0])

    assert "Not signed in" in document.text
    assert "No services" in document.text


def test_the_json_welcome_page() -> None:
    body, content_type = welcome_page(
        [ServiceSummary("default", "pool", EVIL)], user=None, broker_path="/broker", as_json=True
    )

    assert content_type == JSON
    assert json.loads(body) == {
        "user": None,
        "broker": "/broker",
        "services": [{"name": "default", "kind": "pool", "description": EVIL}],
    }


def test_loadstat_renders_every_column() -> None:
    body, content_type = loadstat_page([row(), row(server_id=EVIL, pid=None)], as_json=False)

    assert content_type == HTML
    assert b"<script>" not in body
    document = parse(body)
    assert document.title == "Load statistics"
    for shown in (
        "tcp:127.0.0.1:5001",
        "4242",
        "1/4",
        "17",
        "1.500 s",
        "0.013 s",
        "12.5 %",
        "0.250 s",
        EVIL,
    ):
        assert shown in document.text
    assert [tag for tag, _ in document.tags].count("tr") == 3


def test_loadstat_as_json_is_the_rows() -> None:
    body, content_type = loadstat_page([row(state=EVIL)], as_json=True)

    assert content_type == JSON
    assert json.loads(body) == [
        {
            "service": "default",
            "server_id": "default-1",
            "address": "tcp:127.0.0.1:5001",
            "pid": 4242,
            "state": EVIL,
            "active": 1,
            "capacity": 4,
            "requests": 17,
            "longest": 1.5,
            "average": 0.0125,
            "waited_percent": 12.5,
            "average_wait": 0.25,
        }
    ]


def test_status_has_fewer_columns() -> None:
    body, _ = status_page([row(service=EVIL)], as_json=False)
    document = parse(body)

    assert document.title == "Server status"
    assert EVIL in document.text and "1/4" in document.text
    assert "tcp:127.0.0.1:5001" not in document.text and "1.500 s" not in document.text
    assert json.loads(status_page([row()], as_json=True)[0]) == [
        {
            "service": "default",
            "server_id": "default-1",
            "state": "IDLE",
            "pid": 4242,
            "active": 1,
            "capacity": 4,
            "requests": 17,
        }
    ]


def test_empty_tables_say_so() -> None:
    assert "None." in parse(status_page([], as_json=False)[0]).text
    assert "None." in parse(loadstat_page([], as_json=False)[0]).text
    assert json.loads(loadstat_page([], as_json=True)[0]) == []


def test_the_debug_trailer_shows_each_flag_escaped() -> None:
    trailer = debug_trailer(
        DebugFlag.FIELDS | DebugFlag.TIME | DebugFlag.LOG | DebugFlag.HOSTPORT | DebugFlag.TRACE,
        fields=[("_PROGRAM", "s.hello"), (EVIL, EVIL)],
        elapsed=0.0123,
        log_lines=["started", EVIL],
        hostport="127.0.0.1:5001",
        trace=["acquired default-1", EVIL],
    )

    assert b"<script>" not in trailer
    document = parse(trailer, fragment=True)
    assert "Elapsed: 0.012 s" in document.text
    assert "Served by 127.0.0.1:5001" in document.text
    assert document.text.count(EVIL) == 4
    assert "started" in document.text and "acquired default-1" in document.text
    assert [tag for tag, _ in document.tags].count("pre") == 2


def test_the_debug_trailer_shows_only_the_flags_set() -> None:
    everything = {
        "fields": [("a", "1")],
        "elapsed": 1.0,
        "log_lines": ["log line"],
        "hostport": "h:1",
        "trace": ["trace line"],
    }

    time_only = parse(debug_trailer(DebugFlag.TIME, **everything), fragment=True)  # type: ignore[arg-type]

    assert time_only.text.strip() == "Elapsed: 1.000 s"
    assert debug_trailer(DebugFlag(0), **everything) == b""  # type: ignore[arg-type]
    assert debug_trailer(DebugFlag.SERVICES | DebugFlag.DUMP, **everything) == b""  # type: ignore[arg-type]
    assert debug_trailer(DebugFlag.TIME | DebugFlag.HOSTPORT) == b""
