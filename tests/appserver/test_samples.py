"""The shipped sample programs, each run by a real application server (library ``t``)."""

from __future__ import annotations

import csv
import io
import json
import struct
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest

import baton.appserver
from baton import program
from baton.protocol import frames
from tests.appserver.serverprocess import Client, ServerProcess, body

pytestmark = pytest.mark.anyio

SAMPLES = Path(baton.appserver.__file__).parent / "samples"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the module (matplotlib is imported once), two programs at once."""
    log = tmp_path_factory.mktemp("samples") / "server.log"
    server = ServerProcess.start(SAMPLES, log, "tcp:127.0.0.1:0", "--programs", "2")
    try:
        yield server
    finally:
        assert server.stop() == 0


async def ask(
    server: ServerProcess,
    name: str,
    *fields: tuple[str, str],
    env: Mapping[str, str] | None = None,
    session_id: str | None = None,
) -> list[frames.Frame]:
    """Run the sample ``name`` once, on a connection of its own; every frame of the answer."""
    client = await server.connect()
    try:
        request = frames.Request(
            "r1", f"t.{name}", fields=fields, env=env or {}, session_id=session_id
        )
        await client.send(request)
        return await client.until_final()
    finally:
        await client.aclose()


def head_of(answer: list[frames.Frame]) -> tuple[int, dict[str, str]]:
    """The answer's status and headers; it must have ended well."""
    head, end = answer[0], answer[-1]
    assert isinstance(head, frames.Head), answer
    assert isinstance(end, frames.End), answer
    assert end.status == head.status
    return head.status, dict(head.headers)


class Elements(HTMLParser):
    """The attributes of every start tag of a page, by tag name, in order."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.found: dict[str, list[dict[str, str | None]]] = {}
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.setdefault(tag, []).append(dict(attrs))


# hello


async def test_hello_writes_an_html_greeting(samples: ServerProcess) -> None:
    answer = await ask(samples, "hello", ("name", "Ada"))
    status, headers = head_of(answer)
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert body(answer) == b"<h1>Hello, Ada!</h1>\n"


async def test_hello_greets_the_world_by_default(samples: ServerProcess) -> None:
    assert body(await ask(samples, "hello")) == b"<h1>Hello, world!</h1>\n"


async def test_hello_answers_json_to_a_client_that_asks_for_it(samples: ServerProcess) -> None:
    accept = {"HTTP_ACCEPT": "application/json"}
    answer = await ask(samples, "hello", ("name", "Ada"), env=accept)
    status, headers = head_of(answer)
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert json.loads(body(answer)) == {"greeting": "Hello, Ada!"}


async def test_hello_prefers_html_when_the_browser_accepts_both(samples: ServerProcess) -> None:
    accept = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/json;q=0.9"}
    answer = await ask(samples, "hello", ("name", "Ada"), env=accept)
    assert body(answer) == b"<h1>Hello, Ada!</h1>\n"


async def test_hello_escapes_the_name(samples: ServerProcess) -> None:
    answer = await ask(samples, "hello", ("name", "<script>alert('x')</script>"))
    page = body(answer)
    assert b"<script>" not in page
    assert page == b"<h1>Hello, &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;!</h1>\n"


# form


async def test_form_posts_to_hello_through_the_broker(samples: ServerProcess) -> None:
    answer = await ask(samples, "form")
    status, headers = head_of(answer)
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    page = Elements(body(answer).decode())
    assert page.found["form"] == [{"method": "post", "action": "/broker"}]
    inputs = page.found["input"]
    assert {"type": "hidden", "name": "_PROGRAM", "value": "sample.hello"} in inputs
    assert not [field for field in inputs if field.get("name") == "_SERVICE"]
    [name] = [field for field in inputs if field.get("id") == "name"]
    assert (name["type"], name["name"]) == ("text", "name")
    assert page.found["button"] == [{"type": "submit", "id": "submit"}]


async def test_form_keeps_the_service_and_the_broker_path_escaped(
    samples: ServerProcess,
) -> None:
    service = 'sales"><script>x</script>'
    env = {"SCRIPT_NAME": '/cgi-bin/broker"&'}
    answer = await ask(samples, "form", ("_SERVICE", service), env=env)
    page_text = body(answer).decode()
    assert "<script>" not in page_text
    page = Elements(page_text)
    assert page.found["form"][0]["action"] == '/cgi-bin/broker"&'
    assert {"type": "hidden", "name": "_SERVICE", "value": service} in page.found["input"]


# stream


async def test_stream_lines_arrive_while_the_program_runs(samples: ServerProcess) -> None:
    client = await samples.connect()
    observer: Client | None = None
    try:
        fields = (("count", "3"), ("delay", "1"))
        await client.send(frames.Request("r1", "t.stream", fields=fields))
        head = await client.receive()
        assert head == frames.Head(200, (("Content-Type", "text/plain; charset=utf-8"),))
        assert await client.receive() == frames.Data(b"line 1 of 3\n")
        # The first line is here: the program must still be running (two more lines to go).
        observer = await samples.connect()
        assert (await observer.status()).active == 1
        rest = await client.until_final()
    finally:
        await client.aclose()
        if observer is not None:
            await observer.aclose()
    assert rest[:-1] == [frames.Data(b"line 2 of 3\n"), frames.Data(b"line 3 of 3\n")]
    assert isinstance(rest[-1], frames.End) and rest[-1].status == 200


async def test_stream_caps_the_line_count(samples: ServerProcess) -> None:
    answer = await ask(samples, "stream", ("count", "500"), ("delay", "0"))
    lines = body(answer).decode().splitlines()
    assert (len(lines), lines[-1]) == (50, "line 50 of 50")


async def test_stream_refuses_a_count_that_is_not_a_number(samples: ServerProcess) -> None:
    [error] = await ask(samples, "stream", ("count", "many"))
    assert isinstance(error, frames.Error) and error.code == frames.ErrorCode.BAD_INPUT


# chart


async def test_chart_draws_a_png(samples: ServerProcess) -> None:
    answer = await ask(samples, "chart", ("values", "2,7,1.5,-3"), ("title", "$x$ <b>"))
    status, headers = head_of(answer)
    assert (status, headers["Content-Type"]) == (200, "image/png")
    image = body(answer)
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", image[16:24])  # the IHDR chunk comes first
    assert (width, height) == (600, 400)


async def test_chart_draws_the_default_values(samples: ServerProcess) -> None:
    answer = await ask(samples, "chart")
    assert body(answer).startswith(b"\x89PNG")


@pytest.mark.parametrize("values", ["3,x,4", "", "1,,2", "nan", "1e999", ",".join(["1"] * 101)])
async def test_chart_refuses_values_that_are_not_numbers(
    samples: ServerProcess, values: str
) -> None:
    answer = await ask(samples, "chart", ("values", values))
    status, headers = head_of(answer)
    assert (status, headers["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert body(answer).startswith(b"values: expected 1 to 100 numbers")


# table


async def test_table_is_a_csv_download(samples: ServerProcess) -> None:
    answer = await ask(samples, "table")
    status, headers = head_of(answer)
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == 'attachment; filename="regions.csv"'
    rows = list(csv.reader(io.StringIO(body(answer).decode())))
    assert rows[0] == ["region", "year", "sales"]
    assert len(rows) == 9
    assert {row[0] for row in rows[1:]} == {"north", "south", "east", "west"}
    assert ["north", "2024", "455500"] in rows


async def test_table_keeps_one_region(samples: ServerProcess) -> None:
    answer = await ask(samples, "table", ("region", "South"))
    rows = list(csv.reader(io.StringIO(body(answer).decode())))
    assert rows == [
        ["region", "year", "sales"],
        ["south", "2023", "298250"],
        ["south", "2024", "331000"],
    ]


# add


async def test_add_returns_the_sum_as_json(samples: ServerProcess) -> None:
    answer = await ask(samples, "add", ("a", "2"), ("b", "3"))
    status, headers = head_of(answer)
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert json.loads(body(answer)) == 5


async def test_add_refuses_a_field_that_is_not_an_integer(samples: ServerProcess) -> None:
    [error] = await ask(samples, "add", ("a", "x"), ("b", "3"))
    assert isinstance(error, frames.Error) and error.code == frames.ErrorCode.BAD_INPUT
    assert error.message.startswith("a: expected an integer")


# counter


@pytest.mark.skipif(
    not hasattr(program, "session"),
    reason="baton.program.session is not there yet (issue 3): the counter sample cannot run",
)
async def test_counter_counts_within_a_session(samples: ServerProcess) -> None:
    first = await ask(samples, "counter")
    end = first[-1]
    assert isinstance(end, frames.End) and end.session_created and end.session_id
    assert b"<h1>Count: 1</h1>" in body(first)
    session_id = end.session_id

    second = await ask(samples, "counter", session_id=session_id)
    assert b"<h1>Count: 2</h1>" in body(second)
    assert b'id="again"' in body(second)

    ended = await ask(samples, "counter", ("reset", "1"), session_id=session_id)
    end = ended[-1]
    assert isinstance(end, frames.End) and end.session_deleted
    assert b"Session ended" in body(ended)
