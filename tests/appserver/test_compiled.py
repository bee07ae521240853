"""Programs are read once per version of their file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from baton.appserver.compiled import CompiledPrograms
from baton.errors import ProgramSourceError


def test_a_program_is_read_once_until_its_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "p.py"
    path.write_text("def main(a: int) -> int:\n    return a\n")
    programs = CompiledPrograms()
    first = programs.get(path, name="t.p")
    assert programs.get(path, name="t.p") is first
    assert [p.name for p in first.signature.parameters] == ["a"]

    path.write_text("def main(a: int, b: int = 1) -> int:\n    return a + b\n")
    second = programs.get(path, name="t.p")
    assert second is not first
    assert [p.name for p in second.signature.parameters] == ["a", "b"]
    namespace: dict[str, object] = {}
    exec(second.code, namespace)
    assert namespace["main"](1) == 2  # type: ignore[operator]


def test_a_file_replaced_with_the_same_size_and_time_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "p.py"
    path.write_text("x = 1\n")
    programs = CompiledPrograms()
    first = programs.get(path, name="t.p")
    stamp = path.stat()
    replacement = tmp_path / "new.py"
    replacement.write_text("x = 2\n")
    os.utime(replacement, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    replacement.replace(path)  # another inode
    assert programs.get(path, name="t.p") is not first


def test_errors_name_the_program(tmp_path: Path) -> None:
    path = tmp_path / "p.py"
    path.write_text("def main(:\n")
    programs = CompiledPrograms()
    with pytest.raises(ProgramSourceError) as raised:
        programs.get(path, name="t.p")
    assert "t.p" in raised.value.detail and str(tmp_path) not in raised.value.detail
    with pytest.raises(ProgramSourceError):
        programs.get(tmp_path / "gone.py", name="t.gone")


def test_the_oldest_programs_make_room(tmp_path: Path) -> None:
    programs = CompiledPrograms(size=2)
    paths = []
    for index in range(3):
        path = tmp_path / f"p{index}.py"
        path.write_text(f"x = {index}\n")
        paths.append(path)
    first = programs.get(paths[0], name="t.p0")
    programs.get(paths[1], name="t.p1")
    programs.get(paths[2], name="t.p2")
    assert programs.get(paths[0], name="t.p0") is not first
