"""``_PROGRAM`` resolution: only files inside registered libraries, whatever the value says."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.appserver.resolver import ProgramKind, ProgramResolver
from baton.errors import ProgramNotFound


@dataclass(frozen=True)
class Layout:
    """A library folder with real files, and one outside it."""

    root: Path
    library: Path
    hyphen: Path
    outside: Path
    resolver: ProgramResolver


def write(path: Path, text: str = "", *, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    root = tmp_path_factory.mktemp("resolver").resolve()
    library = root / "lib"
    outside = root / "outside"
    write(outside / "secret.py", "SECRET = 1\n")
    write(outside / "tool", "#!/bin/sh\n", mode=0o755)
    write(library / "hello.py", "print('hello')\n")
    write(library / "Upper.py")
    write(library / "both.py")
    write(library / "both", mode=0o755)
    write(library / "tool", "#!/bin/sh\necho tool\n", mode=0o755)
    write(library / "plain", "not executable\n")
    write(library / "sub" / "deep.py")
    write(library / ".hidden.py")
    write(library / "__init__.py")
    write(library / "shadow", mode=0o755)  # shadowed by the directory shadow.py
    (library / "shadow.py").mkdir()
    (library / "folder").mkdir()
    (library / "alias.py").symlink_to("hello.py")
    (library / "nested.py").symlink_to(library / "sub" / "deep.py")
    (library / "escape.py").symlink_to(outside / "secret.py")
    (library / "relescape.py").symlink_to(Path("..") / "outside" / "secret.py")
    (library / "exescape").symlink_to(outside / "tool")
    (library / "broken.py").symlink_to(library / "missing.py")
    (library / "loop.py").symlink_to(library / "loop.py")
    (library / "tosub").symlink_to(library / "sub")
    (library / "torootdir").symlink_to("/")
    os.mkfifo(library / "fifo.py")
    hyphen = root / "hyphen"
    write(hyphen / "hello.py")
    (root / "linked").symlink_to(library)
    resolver = ProgramResolver(
        {
            "sample": library,
            "my-lib": str(hyphen),
            "linked": root / "linked",
            "gone": root / "no-such-folder",
        }
    )
    return Layout(root, library, hyphen, outside, resolver)


VALID = [
    ("sample.hello", "lib/hello.py", ProgramKind.PYTHON),
    ("sample.hello.py", "lib/hello.py", ProgramKind.PYTHON),
    ("sample.Upper", "lib/Upper.py", ProgramKind.PYTHON),
    ("sample.tool", "lib/tool", ProgramKind.EXECUTABLE),
    ("sample.both", "lib/both.py", ProgramKind.PYTHON),  # Python first
    ("sample.alias", "lib/hello.py", ProgramKind.PYTHON),  # a link inside the library
    ("sample.nested", "lib/sub/deep.py", ProgramKind.PYTHON),  # into a subfolder
    ("my-lib.hello", "hyphen/hello.py", ProgramKind.PYTHON),
    ("linked.hello", "lib/hello.py", ProgramKind.PYTHON),  # the folder is a link
]


@pytest.mark.parametrize(("program", "relative", "kind"), VALID)
def test_valid_names_resolve_to_the_exact_file(
    layout: Layout, program: str, relative: str, kind: ProgramKind
) -> None:
    resolved = layout.resolver.resolve(program)

    assert resolved.path == layout.root / relative
    assert resolved.kind is kind
    assert resolved.qualified_name == program.removesuffix(".py")


HOSTILE = [
    "",
    ".",
    "..",
    "...",
    "sample",
    "sample.",
    ".hello",
    "sample..hello",
    "sample.hello.",
    "sample.hello.py.py",
    "sample.hello.pyc",
    "sample.hello.PY",
    "sample.hello.txt",
    "sample.hello.py.",
    "sample/hello",
    "sample.hello/..",
    "sample./hello",
    "../sample.hello",
    "sample.../outside/secret",
    "sample....outside.secret",
    "/etc/passwd",
    "sample./etc/passwd",
    "sample.\\hello",
    "sample\\hello",
    "C:\\sample.hello",
    "file:///etc/passwd",
    "~/.hello",
    "sample.%2e%2e",
    "%2e%2e.hello",
    "%73ample.hello",
    "sample.hell%6f",
    "sample.hello%00",
    "sample.hello\x00",
    "sample.hel\x00lo",
    "sample\x00.hello",
    "sample.hello\n",
    "sample.hello\r\n",
    " sample.hello",
    "sample.hello ",
    "sample. hello",
    "sample.hello\t",
    "\u0455ample.hello",  # Cyrillic dze for s
    "sample.\u04bbello",  # Cyrillic shha for h
    "sample.hello\u200b",  # zero-width space
    "\uff53ample.hello",  # fullwidth s
    "sample\uff0ehello",  # fullwidth full stop
    "sample\u2024hello",  # one dot leader
    "sample.he\u0301llo",  # combining accent
    "sample.h\u0435llo",  # Cyrillic ie for e
    "sample." + "a" * 65,
    "a" * 65 + ".hello",
    "sample." + "a" * 10_000,
    "sample.hello" + "/" * 200,
    "sample.*",
    "sample.hello?x=1",
    "sample.hello;ls",
    "sample.hello|id",
    "sample.$(id)",
    "sample.`id`",
    "sample.hello:stream",
    "sample.1hello",
    "sample._hello",
    "sample.__init__",
    "sample..hidden",
    "1sample.hello",
    "-sample.hello",
    "sample.hel-lo",
    "Sample.hello",  # library names are case-sensitive
    "SAMPLE.HELLO",
    "sample.Hello",  # program names too
    "sample.upper",
    "other.hello",  # not registered
    "gone.hello",  # registered, folder missing
    "sample.missing",
    "sample.missing.py",
    "sample.tool.py",  # .py asks for Python only
    "sample.plain",  # no executable bit
    "sample.folder",  # a directory
    "sample.shadow",  # shadow.py is a directory: no fallback to the executable
    "sample.escape",  # link out of the library (absolute)
    "sample.relescape",  # link out of the library (relative)
    "sample.exescape",  # executable link out of the library
    "sample.broken",  # dangling link
    "sample.loop",  # link loop
    "sample.fifo",  # not a regular file
    "sample.tosub",  # link to a directory
    "sample.torootdir",  # link to /
    "sample.sub",
    "sample.deep",  # inside a subfolder, not named by it
    "sample.sub.deep",
    "sample.secret",
    "PING",
]


@pytest.mark.parametrize("program", HOSTILE, ids=repr)
def test_hostile_values_are_not_found(layout: Layout, program: str) -> None:
    with pytest.raises(ProgramNotFound) as caught:
        layout.resolver.resolve(program)

    assert caught.value.program == program
    assert caught.value.reason
    assert str(layout.root) not in caught.value.detail  # no folder leaks to the client


def test_the_sentence_does_not_say_why(layout: Layout) -> None:
    sentences = set()
    for program in ("sample.escape", "sample.missing", "other.hello", "sample.plain"):
        with pytest.raises(ProgramNotFound) as caught:
            layout.resolver.resolve(program)
        sentences.add(caught.value.detail.replace(program, "X"))

    assert sentences == {"program 'X' was not found"}


def test_a_long_value_is_shortened_in_the_sentence(layout: Layout) -> None:
    with pytest.raises(ProgramNotFound) as caught:
        layout.resolver.resolve("x" * 100_000)

    assert len(caught.value.detail) < 120


def test_a_relative_folder_is_refused() -> None:
    with pytest.raises(ValueError, match="not absolute"):
        ProgramResolver({"sample": "lib"})


def test_a_moved_link_is_noticed(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write(first / "hello.py")
    write(second / "other.py")
    (tmp_path / "current").symlink_to(first)
    resolver = ProgramResolver({"lib": tmp_path / "current"})
    assert resolver.resolve("lib.hello").path == first / "hello.py"

    (tmp_path / "current").unlink()
    (tmp_path / "current").symlink_to(second)

    assert resolver.resolve("lib.other").path == second / "other.py"
    with pytest.raises(ProgramNotFound):
        resolver.resolve("lib.hello")


PIECES = st.sampled_from(
    ["sample", "my-lib", "linked", "gone", "other", "hello", "tool", "both", "escape",
     "relescape", "exescape", "plain", "folder", "nested", "alias", "sub", "deep", "outside",
     "secret", "..", ".", "", "/", "\\", "py", "%2e", "\x00", "~", "\u0455"]
)  # fmt: skip
ASSEMBLED = st.lists(PIECES, min_size=1, max_size=6).map(".".join)
GLUED = st.lists(PIECES, min_size=1, max_size=6).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.one_of(st.text(max_size=200), ASSEMBLED, GLUED))
def test_anything_resolves_inside_a_library_or_is_not_found(layout: Layout, program: str) -> None:
    folders = [layout.library, layout.hyphen]
    try:
        resolved = layout.resolver.resolve(program)
    except ProgramNotFound:
        return
    assert any(resolved.path.is_relative_to(folder) for folder in folders)
    assert resolved.path.is_file()
    assert not resolved.path.is_relative_to(layout.outside)
