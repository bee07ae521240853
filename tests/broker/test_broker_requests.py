"""The broker end to end: fields in, output out, through real application servers."""

from __future__ import annotations

from tests.broker.conftest import Dispatcher


def test_get_runs_a_program_with_its_fields(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = client.get(
            "/broker", params=[("_PROGRAM", "t.echo"), ("_SERVICE", "t"), ("x", "1"), ("x", "2")]
        )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "x=1\nx=2\n" in answer.text  # repeated fields keep every value, in order
    assert answer.headers["x-request-id"]


def test_post_urlencoded_and_the_cgi_alias(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = client.post(
            "/cgi-bin/broker", data={"_program": "t.echo", "_Service": "t", "name": "Ada"}
        )
    assert answer.status_code == 200, answer.text
    assert "name=Ada" in answer.text


def test_multipart_with_a_file(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = client.post(
            "/broker",
            data={"_PROGRAM": "t.echo", "_SERVICE": "t", "note": "hi"},
            files={"upload": ("data.csv", b"a,b\n" * 1000, "text/csv")},
        )
    assert answer.status_code == 200, answer.text
    assert "note=hi" in answer.text
    assert "file upload data.csv 4000" in answer.text


def test_default_service_is_used_without_service(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = client.get("/broker", params={"_PROGRAM": "sample.hello", "name": "Ada"})
    assert answer.status_code == 200
    assert "Hello, Ada!" in answer.text


def test_typed_main_json_and_bad_input(shared: Dispatcher) -> None:
    with shared.plain() as client:
        good = shared.broker(client, _PROGRAM="t.typed", _SERVICE="t", a="40")
        bad = client.get(
            "/broker",
            params={"_PROGRAM": "t.typed", "_SERVICE": "t", "a": "forty"},
            headers={"Accept": "application/json"},
        )
    assert good.json() == 42
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_field_value"
    assert "a:" in bad.json()["detail"]


def test_exported_cgi_variables(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = client.get(
            "/broker",
            params={"_PROGRAM": "t.env", "_SERVICE": "t"},
            headers={"User-Agent": "probe/1.0", "Cookie": "secret=1"},
        )
    lines = set(answer.text.splitlines())
    assert "REMOTE_USER=plain" in lines
    assert "HTTP_USER_AGENT=probe/1.0" in lines
    assert "REQUEST_METHOD=GET" in lines
    assert "SCRIPT_NAME=/broker" in lines
    assert not any(line.startswith(("HTTP_COOKIE", "HTTP_AUTHORIZATION")) for line in lines)


def test_headers_pass_through(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = shared.broker(client, _PROGRAM="t.download", _SERVICE="t")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="data.csv"'
    assert answer.cookies.get("flavour") == "plain"
    assert answer.text == "a,b\n1,2\n"


def test_a_malformed_header_is_a_502_naming_the_program(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = shared.broker(client, _PROGRAM="t.badheader", _SERVICE="t")
        again = shared.broker(client, _PROGRAM="t.echo", _SERVICE="t", after="yes")
    assert answer.status_code == 502
    assert "t.badheader" in answer.text
    assert "never seen" not in answer.text
    assert again.status_code == 200


def test_ten_megabyte_field(shared: Dispatcher) -> None:
    big = "x" * (10 * 1024 * 1024)
    with shared.plain() as client:
        answer = client.post("/broker", data={"_PROGRAM": "t.size", "_SERVICE": "t", "big": big})
    assert answer.status_code == 200
    assert answer.text == str(len(big))


def test_a_body_over_the_limit_is_413(shared: Dispatcher) -> None:
    limit = shared.installation.settings.dispatcher.max_body_bytes
    with shared.plain() as client:
        answer = client.post(
            "/broker",
            content=b"_PROGRAM=t.size&_SERVICE=t&big=" + b"y" * limit,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code == 413


def test_invalid_utf8_is_a_400_naming_the_field(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = client.post(
            "/broker",
            content=b"_PROGRAM=t.echo&_SERVICE=t&name=%ff%fe",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code == 400
    assert "name" in answer.text


def test_welcome_page_lists_usable_services(shared: Dispatcher) -> None:
    with shared.client() as anonymous:
        public = anonymous.get("/broker", headers={"Accept": "application/json"})
    with shared.plain() as client:
        signed_in = client.get("/broker")
    assert public.status_code == 200
    assert "pub" in public.text and "tiny" not in public.text
    assert signed_in.status_code == 200
    assert "tiny" in signed_in.text and "<form" in signed_in.text


def test_method_not_allowed(shared: Dispatcher) -> None:
    with shared.plain() as client:
        assert client.delete("/broker").status_code == 405
