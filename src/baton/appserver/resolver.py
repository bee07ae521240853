"""Resolving ``_PROGRAM`` to a program file inside a registered library, and nothing else.

Nothing the request says becomes a path: the value is checked against a strict grammar, then
the path is built from the registered folder of the library and the checked name only, then the
resolved file must lie inside the library's resolved folder.

Grammar: ``library.name`` or ``library.name.py``.

- ``library`` is a registered library's name as the registry spells it (a letter, then up to 63
  letters, digits, ``_`` or ``-``); ``name`` is a letter, then up to 63 letters, digits or
  ``_`` (ASCII only, so no look-alike letters). The suffix is ``.py`` in lower case.
- Lookups are case-sensitive, on every file system: ``Sample.Hello`` is not ``sample.hello``.
  Library names are case-sensitive in the registry, and a program must be named as its file
  is, so one program has one name (one permission, one log key) even where the file system
  ignores case.

Which file: ``library.name.py`` means the Python program ``name.py`` only. ``library.name`` means
``name.py`` when that entry exists, otherwise ``name`` (a program in another language, which must
be a regular file with an executable bit set and executable by this process). The first entry
that exists decides: a ``name.py`` that is a directory or points outside the library is not
found, even when an executable ``name`` exists too.

Symbolic links inside a library are followed; their target must lie inside the library's
resolved folder (a subfolder is fine). Anything else raises :class:`ProgramNotFound`, with the
same sentence whatever the cause.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from baton.errors import ProgramNotFound

_LIBRARY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
#: Longer than any valid ``library.name.py``; longer values are refused before splitting them.
_MAX_LENGTH = 64 + 1 + 64 + 3


class ProgramKind(StrEnum):
    """How the application server runs a resolved program."""

    PYTHON = "python"  # in-process, in a fresh namespace
    EXECUTABLE = "executable"  # a child process, fields in its environment


@dataclass(frozen=True)
class ResolvedProgram:
    """A program file found inside a registered library.

    Attributes:
        library: the library's name.
        name: the program's name inside the library (without ``.py``).
        path: the file, absolute and resolved (no symbolic link left).
        kind: Python source or another executable.
    """

    library: str
    name: str
    path: Path
    kind: ProgramKind

    @property
    def qualified_name(self) -> str:
        """``library.name``: the program's one name, for permissions and logs."""
        return f"{self.library}.{self.name}"


class ProgramResolver:
    """Turns ``_PROGRAM`` values into program files of registered libraries.

    Args:
        libraries: each library's name and absolute folder, as the registry holds them. The
            folders are resolved again on every lookup, so a moved symbolic link is noticed.

    Raises:
        ValueError: a folder is not an absolute path (a caller's mistake, not a request's).
    """

    def __init__(self, libraries: Mapping[str, str | os.PathLike[str]]) -> None:
        self._libraries: dict[str, Path] = {}
        for name, folder in libraries.items():
            path = Path(folder)
            if not path.is_absolute():
                raise ValueError(f"library {name!r}: folder {str(path)!r} is not absolute")
            self._libraries[name] = path

    def resolve(self, program: str) -> ResolvedProgram:
        """The program file that ``program`` (a ``_PROGRAM`` value) names.

        Raises:
            ProgramNotFound: ``program`` is malformed, names no registered library, or names no
                suitable file inside it; ``reason`` says which, for the log.
        """
        library, name, explicit_py = _parse(program)
        folder = self._libraries.get(library)
        if folder is None:
            raise ProgramNotFound(program, reason=f"library {library!r} is not registered")
        try:
            root = folder.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise ProgramNotFound(program, reason=f"library folder {folder} is missing") from exc
        candidates = [(f"{name}.py", ProgramKind.PYTHON)]
        if not explicit_py:
            candidates.append((name, ProgramKind.EXECUTABLE))
        for filename, kind in candidates:
            entry = root / filename
            try:
                entry.lstat()
            except OSError:
                continue
            path = _checked_file(program, root, entry, kind)
            return ResolvedProgram(library=library, name=name, path=path, kind=kind)
        raise ProgramNotFound(program, reason=f"no {name}.py or executable {name} in {root}")


def _parse(program: str) -> tuple[str, str, bool]:
    """``(library, name, explicit .py)`` of a well-formed ``_PROGRAM`` value."""
    if len(program) > _MAX_LENGTH:
        raise ProgramNotFound(program, reason="longer than any program name")
    parts = program.split(".")
    explicit_py = len(parts) == 3 and parts[2] == "py"
    if len(parts) != 2 and not explicit_py:
        raise ProgramNotFound(program, reason="not library.name or library.name.py")
    library, name = parts[0], parts[1]
    if not _LIBRARY.fullmatch(library) or not _NAME.fullmatch(name):
        raise ProgramNotFound(program, reason="library or program name has invalid characters")
    return library, name, explicit_py


def _checked_file(program: str, root: Path, entry: Path, kind: ProgramKind) -> Path:
    """``entry`` resolved, if it is a regular file inside ``root`` fit to run as ``kind``."""
    try:
        path = entry.resolve(strict=True)
        status = path.stat()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
        raise ProgramNotFound(program, reason=f"{entry} is a broken link") from exc
    if not path.is_relative_to(root):
        raise ProgramNotFound(program, reason=f"{entry} points outside the library: {path}")
    if not stat.S_ISREG(status.st_mode):
        raise ProgramNotFound(program, reason=f"{entry} is not a regular file")
    if kind is ProgramKind.EXECUTABLE and not (status.st_mode & 0o111 and os.access(path, os.X_OK)):
        raise ProgramNotFound(program, reason=f"{entry} is not executable")
    if not _named_exactly(entry):
        raise ProgramNotFound(program, reason=f"{entry} differs from the file's name in case")
    return path


def _named_exactly(entry: Path) -> bool:
    """Whether the folder holds an entry spelt exactly like ``entry`` (letter case included).

    On a case-sensitive file system (checked cheaply: the name with its case swapped is absent
    or another file) this is already known; otherwise the folder is listed.
    """
    swapped = entry.with_name(entry.name.swapcase())
    try:
        same = os.path.samestat(entry.lstat(), swapped.lstat())
    except OSError:
        return True
    return not same or entry.name in os.listdir(entry.parent)


def canonical_name(program: str) -> tuple[str, str]:
    """``(library, "library.name")`` of a well-formed ``_PROGRAM`` value (``.py`` dropped).

    The broker checks permissions on this name before a server resolves the file.

    Raises:
        ProgramNotFound: the value is not ``library.name`` or ``library.name.py``.
    """
    library, name, _ = _parse(program)
    return library, f"{library}.{name}"
