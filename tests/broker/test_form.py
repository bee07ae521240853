"""Reading a request's fields: query and body, urlencoded and multipart, limits, bad input."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.broker.form import ClientDisconnected, Form, read_form
from baton.errors import BodyTooLarge, MalformedBody
from baton.protocol.frames import UploadedFile

pytestmark = pytest.mark.usefixtures("no_leaked_descriptors")

BOUNDARY = "XyZ123"


def scope(
    method: str = "POST",
    query: bytes = b"",
    content_type: str | None = None,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> Scope:
    all_headers = [(b"content-type", content_type.encode())] if content_type else []
    return {
        "type": "http",
        "method": method,
        "query_string": query,
        "headers": all_headers + list(headers),
    }


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread; yields its base URL.

    The asyncio loop, not uvloop: libuv keeps a pipe open for the life of the process once a
    loop has run, which the descriptor check would take for a leak.
    """
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", loop="asyncio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


class Body:
    """An ASGI receive callable that hands out ``chunks`` and counts how many it gave."""

    def __init__(
        self, *chunks: bytes, disconnect: bool = False, then_forever: bytes | None = None
    ) -> None:
        self.chunks = list(chunks)
        self.disconnect = disconnect
        self.then_forever = then_forever
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        if self.then_forever is not None and not self.chunks:
            return {"type": "http.request", "body": self.then_forever, "more_body": True}
        if not self.chunks:
            assert self.disconnect, "receive() called after the body ended"
            return {"type": "http.disconnect"}
        chunk = self.chunks.pop(0)
        return {
            "type": "http.request",
            "body": chunk,
            "more_body": bool(self.chunks) or self.disconnect or self.then_forever is not None,
        }


async def never(*_: object) -> Message:
    raise AssertionError("receive() must not be called")


def multipart(*parts: tuple[str, bytes], closed: bool = True) -> bytes:
    """A multipart body; each part is its header lines (CRLF-separated) and its content."""
    body = b""
    for headers, content in parts:
        body += f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n"
    return body + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.anyio
async def test_query_fields_come_first_then_body_fields_in_order() -> None:
    form = await read_form(
        scope(query=b"a=1&_PROGRAM=s.hello&a=2", content_type="application/x-www-form-urlencoded"),
        Body(b"b=&c&a=3"),
        max_body=100,
    )

    assert form.fields == (
        ("a", "1"),
        ("_PROGRAM", "s.hello"),
        ("a", "2"),
        ("b", ""),
        ("c", ""),
        ("a", "3"),
    )
    assert form.files == ()


@pytest.mark.anyio
async def test_plus_and_percent_escapes_are_decoded_and_nul_passes() -> None:
    form = await read_form(
        scope("GET", b"name=Ada+Lovelace&city=Z%C3%BCrich&nul=a%00b&odd=100%&x%2By=1"),
        never,
        max_body=100,
    )

    assert form.fields == (
        ("name", "Ada Lovelace"),
        ("city", "Zürich"),
        ("nul", "a\0b"),
        ("odd", "100%"),
        ("x+y", "1"),
    )


@pytest.mark.anyio
async def test_get_reads_the_query_only() -> None:
    form = await read_form(
        scope("GET", b"_service=default", content_type="application/x-www-form-urlencoded"),
        never,
        max_body=100,
    )

    assert form.fields == (("_service", "default"),)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "body", "named"),
    [
        (b"name=%FF", b"", "'name'"),
        (b"", b"ok=1&city=%C3%28", "'city'"),
        (b"", b"na%FFme=1", r"'na\\xffme'"),
        (b"", b"x=\xe9", "'x'"),
    ],
)
async def test_invalid_utf8_is_refused_naming_the_field(
    query: bytes, body: bytes, named: str
) -> None:
    with pytest.raises(MalformedBody) as caught:
        await read_form(
            scope(query=query, content_type="application/x-www-form-urlencoded"),
            Body(body),
            max_body=100,
        )

    assert caught.value.detail == f"field {named} is not valid UTF-8"


@pytest.mark.anyio
async def test_a_body_in_many_chunks_is_read_whole() -> None:
    body = b"first=1&second=" + b"x" * 50 + b"&third=%C3%A9"
    chunks = [body[i : i + 3] for i in range(0, len(body), 3)]

    form = await read_form(
        scope(content_type="application/x-www-form-urlencoded"), Body(*chunks), max_body=len(body)
    )

    assert form.fields == (("first", "1"), ("second", "x" * 50), ("third", "é"))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("content_type", "start"),
    [
        ("application/x-www-form-urlencoded", b"a="),
        (MULTIPART, f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n'.encode()),
    ],
)
async def test_a_body_over_the_limit_stops_at_the_chunk_that_passes_it(
    content_type: str, start: bytes
) -> None:
    endless = Body(start, then_forever=b"abcd")

    with pytest.raises(BodyTooLarge) as caught:
        await read_form(scope(content_type=content_type), endless, max_body=len(start) + 10)

    assert caught.value.limit == len(start) + 10
    assert endless.calls == 4  # start, then 4 + 4 + 4 > 10: the fourth chunk is refused, no more


@pytest.mark.anyio
async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    request = scope(
        content_type="application/x-www-form-urlencoded",
        headers=[(b"content-length", b"11")],
    )

    with pytest.raises(BodyTooLarge):
        await read_form(request, never, max_body=10)


@pytest.mark.anyio
async def test_a_body_of_exactly_the_limit_is_accepted() -> None:
    form = await read_form(
        scope(content_type="application/x-www-form-urlencoded"), Body(b"a=12", b"345"), max_body=7
    )

    assert form.fields == (("a", "12345"),)


@pytest.mark.anyio
async def test_a_disconnect_before_the_body_ends_raises_client_disconnected() -> None:
    with pytest.raises(ClientDisconnected):
        await read_form(
            scope(content_type="application/x-www-form-urlencoded"),
            Body(b"a=1", disconnect=True),
            max_body=100,
        )


@pytest.mark.anyio
@pytest.mark.parametrize("content_type", ["application/json", "text/plain; charset=utf-8"])
async def test_a_body_that_is_not_a_form_is_refused_naming_its_type(content_type: str) -> None:
    with pytest.raises(MalformedBody) as caught:
        await read_form(scope(content_type=content_type), never, max_body=100)

    assert repr(content_type.split(";")[0]) in caught.value.detail


@pytest.mark.anyio
async def test_a_post_without_body_or_type_has_the_query_fields() -> None:
    form = await read_form(scope(query=b"_PROGRAM=s.hello"), Body(b""), max_body=100)

    assert form.fields == (("_PROGRAM", "s.hello"),)


@pytest.mark.anyio
async def test_a_body_without_a_content_type_is_refused() -> None:
    with pytest.raises(MalformedBody, match="no Content-Type"):
        await read_form(scope(), Body(b"a=1"), max_body=100)


@pytest.mark.anyio
async def test_multipart_fields_and_files_keep_their_order() -> None:
    body = multipart(
        ('Content-Disposition: form-data; name="_PROGRAM"', b"s.hello"),
        (
            'Content-Disposition: form-data; name="data"; filename="sales.csv"\r\n'
            "Content-Type: text/csv",
            b"region,amount\r\nnorth,1\r\n",
        ),
        ('Content-Disposition: form-data; name="tag"', b"a"),
        ('Content-Disposition: form-data; name="raw"; filename="blob.bin"', b"\0\xff\r\n--"),
        ('Content-Disposition: form-data; name="tag"', b""),
        ('Content-Disposition: form-data; name="empty"; filename=""', b""),
        ('Content-Disposition: form-data; name="café"', "crème".encode()),
    )

    form = await read_form(
        scope(query=b"q=1", content_type=MULTIPART), Body(body), max_body=len(body)
    )

    assert form.fields == (
        ("q", "1"),
        ("_PROGRAM", "s.hello"),
        ("tag", "a"),
        ("tag", ""),
        ("café", "crème"),
    )
    assert form.files == (
        UploadedFile("data", "sales.csv", "text/csv", b"region,amount\r\nnorth,1\r\n"),
        UploadedFile("raw", "blob.bin", "application/octet-stream", b"\0\xff\r\n--"),
        UploadedFile("empty", "", "application/octet-stream", b""),
    )


@pytest.mark.anyio
async def test_multipart_split_into_single_bytes_reads_the_same() -> None:
    body = multipart(
        ('Content-Disposition: form-data; name="a"', b"one"),
        ('Content-Disposition: form-data; name="f"; filename="x.txt"', b"two\r\n"),
    )

    form = await read_form(
        scope(content_type=MULTIPART),
        Body(*(body[i : i + 1] for i in range(len(body)))),
        max_body=len(body),
    )

    assert form.fields == (("a", "one"),)
    assert form.files == (UploadedFile("f", "x.txt", "application/octet-stream", b"two\r\n"),)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("content_type", "body", "problem"),
    [
        ("multipart/form-data", b"--x--\r\n", "boundary"),
        ("multipart/form-data; boundary=", b"----\r\n", "boundary"),
        ("multipart/form-data; boundary=" + "b" * 71, b"", "boundary"),
        (MULTIPART, b"no boundary at all", "malformed"),
        (
            MULTIPART,
            multipart(('Content-Disposition: form-data; name="a"', b"1"), closed=False),
            "closing boundary",
        ),
        (
            MULTIPART,
            multipart(('Content-Disposition: form-data; name="a"', b"1"))[:-20],
            "closing boundary",
        ),
        (MULTIPART, multipart(("Content-Type: text/plain", b"1")), "Content-Disposition"),
        (MULTIPART, multipart(("Content-Disposition: form-data", b"1")), "named"),
        (MULTIPART, multipart(('Content-Disposition: attachment; name="a"', b"1")), "named"),
        (
            MULTIPART,
            multipart(('Content-Disposition: form-data; name="a"', b"\xff")),
            "field 'a' is not valid UTF-8",
        ),
    ],
)
async def test_malformed_multipart_is_refused(content_type: str, body: bytes, problem: str) -> None:
    with pytest.raises(MalformedBody) as caught:
        await read_form(scope(content_type=content_type), Body(body), max_body=1000)

    assert problem in caught.value.detail


def test_reserved_fields_match_case_insensitively_and_the_first_value_wins() -> None:
    form = Form(
        (
            ("_program", "s.first"),
            ("_PROGRAM", "s.second"),
            ("_Service", "default"),
            ("_DEBUG", "time"),
            ("_sessionId", "abc"),
        )
    )

    assert form.program == "s.first"
    assert form.service == "default"
    assert form.debug == "time"
    assert form.session_id == "abc"
    assert form.reserved("_program") == "s.first"
    assert not form.is_empty


def test_reserved_names_fold_ascii_only() -> None:
    # "ſ".upper() is "S": a lookalike must not pass for _SERVICE.
    form = Form((("_\u017fERVICE", "evil"), ("_PROGRAM", "")))

    assert form.service is None
    assert form.program == ""


def test_a_form_is_empty_only_without_fields_and_files() -> None:
    assert Form().is_empty
    assert Form().program is None
    assert not Form(files=(UploadedFile("f", "a.txt", "text/plain", b""),)).is_empty


class FormEcho:
    """An ASGI app that answers the form it read as JSON, and remembers a disconnect."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.disconnected = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        answer: object
        try:
            form = await read_form(scope, receive, max_body=self.max_body)
        except ClientDisconnected:
            self.disconnected.set()
            return
        except (BodyTooLarge, MalformedBody) as error:
            status, answer = (413 if isinstance(error, BodyTooLarge) else 400), error.code
        else:
            files = [[f.field, f.filename, f.content_type, f.content.hex()] for f in form.files]
            status, answer = 200, {"fields": form.fields, "files": files}
        body = json.dumps(answer).encode()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})


def test_a_real_client_posting_through_a_real_server() -> None:
    with serve(FormEcho(max_body=10_000)) as url, httpx.Client(base_url=url, timeout=30) as client:
        multipart_answer = client.post(
            "/broker?_SERVICE=default",
            data={"_PROGRAM": "s.hello", "name": ["Ada", "Grace"], "note": "<b>é</b>"},
            files={"data": ("sales.csv", b"a,b\r\n1,2\r\n", "text/csv")},
        )
        form_answer = client.post("/broker", data={"_PROGRAM": "s.hello", "x": "1 + 1 = 2"})
        too_large = client.post(
            "/broker",
            content=b"a=" + b"x" * 20_000,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    assert multipart_answer.status_code == 200
    assert multipart_answer.json() == {
        "fields": [
            ["_SERVICE", "default"],
            ["_PROGRAM", "s.hello"],
            ["name", "Ada"],
            ["name", "Grace"],
            ["note", "<b>é</b>"],
        ],
        "files": [["data", "sales.csv", "text/csv", b"a,b\r\n1,2\r\n".hex()]],
    }
    assert form_answer.json()["fields"] == [["_PROGRAM", "s.hello"], ["x", "1 + 1 = 2"]]
    assert too_large.status_code == 413


def test_a_client_that_hangs_up_mid_body_is_noticed() -> None:
    app = FormEcho(max_body=10_000)
    with serve(app) as url:
        address = urlsplit(url)
        assert address.hostname is not None and address.port is not None
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(
                b"POST /broker HTTP/1.1\r\nHost: test\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\na=1&b="
            )
        assert app.disconnected.wait(timeout=20)
