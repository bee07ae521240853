"""The program catalog: the programs of registered libraries, with their signatures.

The web client's program pages and the job designer's palette list what a user may run. A
library's registered folder is listed (nothing a request says becomes a path): each ``NAME.py``
and each executable ``NAME`` whose name fits the program grammar is a program, and each is
resolved through :class:`~baton.appserver.resolver.ProgramResolver`, so the catalog shows
exactly the files the broker would run (links leaving the library, wrong letter case and
non-executable files are left out). A Python program's ``main()`` signature is read statically
(never imported) and kept until its file changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from baton.appserver.compiled import CompiledPrograms
from baton.appserver.resolver import ProgramKind, ProgramResolver, ResolvedProgram, canonical_name
from baton.appserver.signature import ProgramSignature
from baton.errors import ProgramNotFound, ProgramSourceError

#: Entries of a library folder looked at, at most (a folder of data files is not a catalog).
MAX_ENTRIES = 5000


@dataclass(frozen=True)
class CatalogEntry:
    """One program of a library.

    Attributes:
        name: ``library.program``, as ``_PROGRAM`` and permissions name it.
        library: the library's name.
        program: the program's name inside the library.
        kind: how a server runs it.
        signature: its ``main()`` signature (Python programs whose source parses), else ``None``.
        problem: why there is no signature for a Python program (a syntax error, ...).
    """

    name: str
    library: str
    program: str
    kind: ProgramKind
    signature: ProgramSignature | None = None
    problem: str = ""

    @property
    def summary(self) -> str:
        """One line about the program: its ``main()`` docstring's, else its module's."""
        if self.signature is None:
            return ""
        return self.signature.summary or self.signature.module_summary


class ProgramCatalog:
    """Lists the programs of library folders and reads their signatures once per file version.

    Args:
        compiled: where read programs are kept (shared with nothing that runs them here).
    """

    def __init__(self, compiled: CompiledPrograms | None = None) -> None:
        self._compiled = compiled or CompiledPrograms()

    def programs(self, library: str, folder: str | os.PathLike[str]) -> list[CatalogEntry]:
        """Every program of ``library`` (registered at ``folder``), by name; none when the
        folder is missing or unreadable."""
        resolver = ProgramResolver({library: folder})
        names: set[str] = set()
        try:
            with os.scandir(folder) as entries:
                for count, entry in enumerate(entries):
                    if count >= MAX_ENTRIES:
                        break
                    stem = entry.name.removesuffix(".py")
                    names.add(stem)
        except OSError:
            return []
        found: list[CatalogEntry] = []
        for stem in sorted(names):
            try:
                canonical_name(f"{library}.{stem}")
                resolved = resolver.resolve(f"{library}.{stem}")
            except ProgramNotFound:
                continue  # not a program name, or not a runnable file
            found.append(self._entry(resolved))
        return found

    def program(self, name: str, folder: str | os.PathLike[str]) -> CatalogEntry:
        """The program ``name`` (``library.program``) of the library registered at ``folder``.

        Raises:
            ProgramNotFound: no such program (the same sentence whatever the cause).
        """
        library, _ = canonical_name(name)
        return self._entry(ProgramResolver({library: folder}).resolve(name))

    def _entry(self, resolved: ResolvedProgram) -> CatalogEntry:
        name = resolved.qualified_name
        if resolved.kind is not ProgramKind.PYTHON:
            return CatalogEntry(name, resolved.library, resolved.name, resolved.kind)
        try:
            signature = self._compiled.get(Path(resolved.path), name=name).signature
        except ProgramSourceError as exc:
            return CatalogEntry(
                name, resolved.library, resolved.name, resolved.kind, problem=exc.detail
            )
        return CatalogEntry(name, resolved.library, resolved.name, resolved.kind, signature)
