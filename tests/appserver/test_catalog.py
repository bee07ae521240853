"""The program catalog lists exactly what the broker would run, with signatures read once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from baton.appserver.catalog import ProgramCatalog
from baton.appserver.resolver import ProgramKind
from baton.errors import ProgramNotFound


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "lib"
    folder.mkdir()
    source = 'def main(a: int, b: int = 2) -> int:\n    """Add two."""\n    return a + b\n'
    (folder / "add.py").write_text(source)
    (folder / "broken.py").write_text("def main(:\n")
    tool = folder / "tool"
    tool.write_text("#!/bin/sh\necho hi\n")
    tool.chmod(0o755)
    (folder / "notes").write_text("not executable")
    (folder / "data.csv").write_text("a,b\n")
    (folder / "Bad-name.py").write_text("def main(): pass\n")
    (folder / "__init__.py").write_text("")
    (folder / "sub").mkdir()
    outside = tmp_path / "outside.py"
    outside.write_text("def main(): pass\n")
    (folder / "escape.py").symlink_to(outside)
    return folder


def test_lists_python_and_executable_programs_only(library: Path) -> None:
    entries = ProgramCatalog().programs("lib", library)
    assert [entry.name for entry in entries] == ["lib.add", "lib.broken", "lib.tool"]
    add, broken, tool = entries
    assert add.kind is ProgramKind.PYTHON and add.summary == "Add two."
    assert add.signature is not None
    assert [(p.name, p.required) for p in add.signature.parameters] == [("a", True), ("b", False)]
    assert broken.signature is None and "cannot be read" in broken.problem
    assert tool.kind is ProgramKind.EXECUTABLE and tool.signature is None


def test_one_program_and_the_same_refusal_for_anything_else(library: Path) -> None:
    catalog = ProgramCatalog()
    assert catalog.program("lib.add", library).signature is not None
    for name in ("lib.escape", "lib.notes", "lib.missing", "lib.Bad-name", "lib.../x"):
        with pytest.raises(ProgramNotFound, match="was not found"):
            catalog.program(name, library)


def test_a_changed_file_is_read_again(library: Path) -> None:
    catalog = ProgramCatalog()
    assert catalog.program("lib.add", library).summary == "Add two."
    source = library / "add.py"
    source.write_text('def main(x: str) -> str:\n    """Echo."""\n    return x\n')
    os.utime(source, ns=(1, 1))  # a different stamp even within the clock's resolution
    assert catalog.program("lib.add", library).summary == "Echo."


def test_a_missing_folder_lists_nothing(tmp_path: Path) -> None:
    assert ProgramCatalog().programs("gone", tmp_path / "gone") == []
