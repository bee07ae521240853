"""A program's header block: what passes (lowercased, Latin-1 bytes) and what is refused."""

from __future__ import annotations

import pytest

from baton.broker.headers import HOP_BY_HOP, MAX_HEADERS, MAX_VALUE, check_headers
from baton.errors import BadProgramHeader

pytestmark = pytest.mark.usefixtures("no_leaked_descriptors")

PROGRAM = "sample.hello"


def refused(headers: list[tuple[str, str]], status: int = 200) -> BadProgramHeader:
    with pytest.raises(BadProgramHeader) as caught:
        check_headers(PROGRAM, status, headers)
    assert caught.value.program == PROGRAM
    return caught.value


def test_good_headers_pass_lowercased_in_order_with_repeats() -> None:
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Set-Cookie", "a=1; Path=/; HttpOnly"),
        ("X-Custom", "  caf\xe9\tdone  "),
        ("set-cookie", "b="),
        ("Cache-Control", "no-store"),
    ]

    assert check_headers(PROGRAM, 200, headers) == [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"set-cookie", b"a=1; Path=/; HttpOnly"),
        (b"x-custom", b"caf\xe9\tdone"),
        (b"set-cookie", b"b="),
        (b"cache-control", b"no-store"),
    ]


def test_content_length_is_dropped_silently() -> None:
    assert check_headers(PROGRAM, 200, [("Content-Length", "12"), ("X-A", "1")]) == [(b"x-a", b"1")]


def test_an_empty_block_and_an_empty_value_pass() -> None:
    assert check_headers(PROGRAM, 204, []) == []
    assert check_headers(PROGRAM, 200, [("X-Empty", "")]) == [(b"x-empty", b"")]


@pytest.mark.parametrize("name", sorted(HOP_BY_HOP) + ["Transfer-Encoding", "CONNECTION"])
def test_hop_by_hop_headers_are_refused(name: str) -> None:
    error = refused([("X-A", "1"), (name, "close")])

    assert error.header == name
    assert "hop-by-hop" in error.reason


@pytest.mark.parametrize("name", ["", "Bad Name", "X:Y", "X\r\nY", "Caf\xe9", "(x)", "a@b"])
def test_names_must_be_tokens(name: str) -> None:
    error = refused([(name, "1")])

    assert "token" in error.reason


def test_a_very_long_name_is_refused_and_shortened() -> None:
    error = refused([("X" * 10_000, "1")])

    assert len(error.header) < 100


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a\r\nSet-Cookie: x=1", "line break"),
        ("a\nb", "line break"),
        ("a\rb", "line break"),
        ("a\0b", "NUL"),
        ("a\x01b", "U+0001"),
        ("a\x7fb", "U+007F"),
        ("a\x85b", "U+0085"),
        ("a\u2028b", "not Latin-1"),
        ("snow \u2603", "not Latin-1"),
        ("x" * (MAX_VALUE + 1), "over"),
    ],
)
def test_values_must_be_printable_latin1_and_short(value: str, reason: str) -> None:
    error = refused([("X-Value", value)])

    assert error.header == "X-Value"
    assert reason in error.reason


def test_a_value_of_exactly_the_limit_passes() -> None:
    assert check_headers(PROGRAM, 200, [("X-A", "x" * MAX_VALUE)])[0][1] == b"x" * MAX_VALUE


def test_at_most_100_headers() -> None:
    assert len(check_headers(PROGRAM, 200, [("X-A", "1")] * MAX_HEADERS)) == MAX_HEADERS
    assert "100" in refused([("X-A", "1")] * (MAX_HEADERS + 1)).reason


@pytest.mark.parametrize("status", [100, 101, 103, 199])
def test_an_informational_status_is_refused(status: int) -> None:
    assert refused([], status=status).header == "Status"


@pytest.mark.parametrize(
    "value",
    [
        "text/html",
        "application/json",
        "text/csv; charset=utf-8",
        "text/plain;charset=UTF-8",
        'multipart/mixed; boundary="a b;c"',
        "application/vnd.ms-excel ; a=1 ;b=2",
        "text/html;",
    ],
)
def test_good_content_types(value: str) -> None:
    assert check_headers(PROGRAM, 200, [("Content-Type", value)]) == [
        (b"content-type", value.encode("latin-1"))
    ]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "text",
        "text/",
        "/html",
        "text/html charset=utf-8",
        "text/html; charset",
        "a b/c",
        'text/html; x="unterminated',
        "text/html; =x",
        "text/html, text/plain",
    ],
)
def test_bad_content_types(value: str) -> None:
    assert refused([("Content-Type", value)]).header == "Content-Type"


@pytest.mark.parametrize(
    "value",
    [
        "https://example.org/report?id=1",
        "http://localhost:8080/",
        "/broker?_PROGRAM=s.hello&x=%20",
        "next.html",
        "../up",
        "?page=2",
        "#top",
        "//cdn.example.org/x",
    ],
)
def test_good_locations(value: str) -> None:
    assert check_headers(PROGRAM, 302, [("Location", value)]) == [(b"location", value.encode())]


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "ftp://example.org/",
        "file:///etc/passwd",
        "java\tscript:alert(1)",
        "javascript :x",
        "http:/no-host",
        "https://",
        "http://[::1",
        "/with space",
        "/caf\xe9",
        "",
    ],
)
def test_bad_locations(value: str) -> None:
    assert refused([("Location", value)], status=302).header == "Location"


def test_a_redirect_without_location_passes() -> None:
    assert check_headers(PROGRAM, 303, [("X-A", "1")]) == [(b"x-a", b"1")]


@pytest.mark.parametrize("value", ["a=1", "session=; Max-Age=0", "x=y=z; Secure", " id = 7"])
def test_good_cookies(value: str) -> None:
    assert check_headers(PROGRAM, 200, [("Set-Cookie", value)])[0][0] == b"set-cookie"


@pytest.mark.parametrize("value", ["", "=1", "novalue", "a b=1", "; a=1", "(a)=1"])
def test_bad_cookies(value: str) -> None:
    assert refused([("Set-Cookie", value)]).header == "Set-Cookie"


@pytest.mark.parametrize(
    "value",
    [
        "inline",
        "attachment",
        "Attachment",
        'attachment; filename="report 2024.csv"',
        "attachment; filename=report.csv",
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        "attachment; filename=\"resume.pdf\"; filename*=utf-8'en'r%C3%A9sum%C3%A9.pdf",
    ],
)
def test_good_dispositions(value: str) -> None:
    assert check_headers(PROGRAM, 200, [("Content-Disposition", value)])[0][1] == value.encode()


@pytest.mark.parametrize(
    "value",
    [
        "form-data",
        "",
        "attachment filename=x",
        'attachment; filename="x',
        "attachment; filename=a b",
        "attachment; filename*=\"UTF-8''x\"",
        "attachment; filename*=ISO-8859-1''x",
        "attachment; filename*=UTF-8''%FF",
        "attachment; filename*=UTF-8''a b",
        "attachment; filename=a; filename=b",
    ],
)
def test_bad_dispositions(value: str) -> None:
    assert refused([("Content-Disposition", value)]).header == "Content-Disposition"


@pytest.mark.parametrize("name", ["Content-Type", "Location", "Content-Disposition"])
def test_headers_that_must_be_single(name: str) -> None:
    value = {"Content-Type": "text/plain", "Location": "/a", "Content-Disposition": "inline"}[name]

    error = refused([(name, value), (name.upper(), value)], status=302)

    assert error.header == name.upper()
    assert "more than once" in error.reason


def test_the_first_problem_is_reported() -> None:
    error = refused([("X-A", "1"), ("X-Bad", "a\nb"), ("Connection", "close")])

    assert error.header == "X-Bad"
    assert str(error) == (
        "program 'sample.hello' sent a malformed X-Bad header: "
        "the value holds a line break (CR or LF)"
    )
