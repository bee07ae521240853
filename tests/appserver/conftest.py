"""Fixtures for the application server tests: a library of tiny programs and a live server."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.appserver.serverprocess import ServerProcess, executable

PROGRAMS = {
    "hello": """
        def main(name: str = "world", times: int = 1) -> dict[str, object]:
            return {"greeting": " ".join(f"Hello, {name}!" for _ in range(times))}
    """,
    "page": """
        from baton import program
        program.header("X-Page", "yes")
        program.webout.write("<h1>" + program.params.get("title", "untitled") + "</h1>\\n")
        program.webout.write(b"<p>bytes too</p>\\n")
        program.log.info("wrote the page")
    """,
    "tags": """
        from baton import program
        program.header("Content-Type", "text/plain")
        program.webout.write(",".join(program.params.getall("tag")))
    """,
    "gated": """
        import os, time
        from baton import program
        folder = program.params["folder"]
        open(os.path.join(folder, "started-" + program.params["name"]), "w").close()
        program.webout.write("first line\\n")
        gate = os.path.join(folder, "gate-" + program.params["name"])
        limit = time.monotonic() + 20
        while not os.path.exists(gate) and time.monotonic() < limit:
            time.sleep(0.01)
        program.webout.write("second line " + program.params["name"] + "\\n")
    """,
    "late": """
        from baton import program
        program.webout.write("sent\\n")
        try:
            program.header("X-Late", "1")
        except program.HeadersAlreadySent as exc:
            program.webout.write(type(exc).__name__)
    """,
    "boom": """
        def main() -> int:
            raise ValueError("secret detail")
    """,
    "suicide": """
        import os
        os._exit(3)
    """,
    "forever": """
        from baton import program
        while True:
            program.webout.write("x" * 100 + "\\n")
    """,
}

SCRIPTS = {
    "fields": """#!/bin/sh
        echo "name=$BATON_FIELD_NAME"
        echo "tags=$BATON_FIELD_TAG_COUNT:$BATON_FIELD_TAG_1:$BATON_FIELD_TAG_2"
        echo "odd=$BATON_FIELD_ODD_NAME user=$REMOTE_USER program=$BATON_PROGRAM"
        echo "to the log" >&2
    """,
    "sleeper": """#!/bin/sh
        sleep 60 &
        echo $! > "$BATON_FIELD_FOLDER/child"
        echo $$ > "$BATON_FIELD_FOLDER/parent"
        echo started
        wait
    """,
    "failing": """#!/bin/sh
        echo partial
        exit 7
    """,
}


@pytest.fixture(autouse=True)
def _descriptors_closed(no_leaked_descriptors: None) -> None:
    """Every test here closes every socket and pipe it opens."""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The ``t`` library: the programs above."""
    folder = tmp_path / "library"
    folder.mkdir()
    for name, source in PROGRAMS.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    for name, source in SCRIPTS.items():
        executable(folder / name, textwrap.dedent(source).lstrip())
    return folder


@pytest.fixture
def server(library: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server with two program slots on TCP."""
    process = ServerProcess.start(
        library, tmp_path / "server.log", "tcp:127.0.0.1:0", "--programs", "2"
    )
    try:
        yield process
    finally:
        process.stop()
