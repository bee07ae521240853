"""The exported CGI variables: each from its part of the request, only when named and set."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from starlette.types import Receive, Scope, Send

from baton.broker.cgi import cgi_environment
from baton.registry.specs import DEFAULT_EXPORT, EXPORTABLE
from tests.broker.test_form import serve

pytestmark = pytest.mark.usefixtures("no_leaked_descriptors")

EVERYTHING = sorted(EXPORTABLE)


def scope(**changes: object) -> Scope:
    base: Scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/broker",
        "query_string": b"_PROGRAM=s.hello&q=%C3%A9",
        "headers": [
            (b"host", b"baton.example.org"),
            (b"user-agent", b"curl/8.5"),
            (b"referer", b"https://baton.example.org/"),
            (b"accept", b"text/html"),
            (b"accept-language", b"fr, en;q=0.5"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"42"),
            (b"cookie", b"baton_session=secret"),
            (b"authorization", b"Basic c2VjcmV0"),
            (b"x-forwarded-for", b"10.0.0.1"),
            (b"x-forwarded-for", b"10.0.0.2"),
        ],
        "client": ("10.0.0.7", 51234),
        "server": ("10.0.0.1", 8443),
    }
    base.update(changes)
    return base


def test_every_exportable_variable_from_a_full_request() -> None:
    environment = cgi_environment(
        scope(), user="ada", export=EVERYTHING, script_name="/cgi-bin/broker"
    )

    assert environment == {
        "REMOTE_USER": "ada",
        "REMOTE_ADDR": "10.0.0.7",
        "REMOTE_PORT": "51234",
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": "_PROGRAM=s.hello&q=%C3%A9",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "42",
        "SCRIPT_NAME": "/cgi-bin/broker",
        "SERVER_NAME": "10.0.0.1",
        "SERVER_PORT": "8443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTPS": "on",
        "HTTP_USER_AGENT": "curl/8.5",
        "HTTP_REFERER": "https://baton.example.org/",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_LANGUAGE": "fr, en;q=0.5",
        "HTTP_HOST": "baton.example.org",
        "HTTP_X_FORWARDED_FOR": "10.0.0.1, 10.0.0.2",
    }


def test_only_the_named_variables_appear() -> None:
    environment = cgi_environment(
        scope(), user="ada", export=["REMOTE_ADDR", "HTTP_USER_AGENT"], script_name="/broker"
    )

    assert environment == {"REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "curl/8.5"}


def test_credentials_are_never_exportable() -> None:
    assert "HTTP_COOKIE" not in EXPORTABLE
    assert "HTTP_AUTHORIZATION" not in EXPORTABLE
    environment = cgi_environment(
        scope(),
        user="ada",
        export=["HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_PROXY_AUTHORIZATION", "PATH"],
        script_name="/broker",
    )

    assert environment == {}


def test_variables_without_a_value_are_absent() -> None:
    bare = scope(scheme="http", headers=[], client=None, server=None, query_string=b"")

    environment = cgi_environment(bare, user=None, export=EVERYTHING, script_name="/broker")

    assert environment == {
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": "",
        "SCRIPT_NAME": "/broker",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }


def test_a_unix_socket_server_has_no_port() -> None:
    environment = cgi_environment(
        scope(server=("/run/baton.sock", None)),
        user=None,
        export=["SERVER_NAME", "SERVER_PORT"],
        script_name="/broker",
    )

    assert environment == {"SERVER_NAME": "/run/baton.sock"}


def test_text_is_latin1_and_values_with_nul_or_line_breaks_are_dropped() -> None:
    request = scope(
        query_string=b"name=caf\xe9",
        headers=[
            (b"user-agent", b"caf\xe9"),
            (b"referer", b"a\x00b"),
            (b"accept", b"a\rb"),
            (b"accept-language", b"a\nb"),
        ],
    )

    environment = cgi_environment(request, user="a\nb", export=EVERYTHING, script_name="/broker")

    assert environment["QUERY_STRING"] == "name=caf\xe9"
    assert environment["HTTP_USER_AGENT"] == "caf\xe9"
    assert not {"REMOTE_USER", "HTTP_REFERER", "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE"} & set(
        environment
    )


def test_an_underscored_header_does_not_pass_for_a_dashed_one() -> None:
    request = scope(headers=[(b"x_forwarded_for", b"6.6.6.6"), (b"user_agent", b"spoof")])

    environment = cgi_environment(request, user=None, export=EVERYTHING, script_name="/broker")

    assert "HTTP_X_FORWARDED_FOR" not in environment
    assert "HTTP_USER_AGENT" not in environment


def test_the_default_export_is_exportable() -> None:
    assert set(DEFAULT_EXPORT) <= EXPORTABLE


def test_a_real_request_through_a_real_server() -> None:
    seen: list[dict[str, str]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        seen.append(cgi_environment(scope, user=None, export=EVERYTHING, script_name=scope["path"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with serve(app) as url:
        address = urlsplit(url)
        assert address.hostname is not None and address.port is not None
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(
                b"GET /cgi-bin/broker?_PROGRAM=s.hello&x=%3C HTTP/1.1\r\n"
                b"Host: localhost\r\nUser-Agent: raw-test\r\nCookie: baton_session=secret\r\n"
                b"X_Forwarded_For: 6.6.6.6\r\nConnection: close\r\n\r\n"
            )
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
            client_port = sock.getsockname()[1]

    assert answer.startswith(b"HTTP/1.1 204")
    assert seen == [
        {
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": str(client_port),
            "REQUEST_METHOD": "GET",
            "QUERY_STRING": "_PROGRAM=s.hello&x=%3C",
            "SCRIPT_NAME": "/cgi-bin/broker",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(address.port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_USER_AGENT": "raw-test",
            "HTTP_HOST": "localhost",
        }
    ]
