"""Programs read once: their static signature and compiled code, until the file changes.

A long-lived server runs the same programs again and again; parsing a file for its ``main()``
signature and compiling it cost more than running a small program. :class:`CompiledPrograms`
keeps both per file, keyed by the file's identity and change stamps (device, inode, size,
modification and change times), so an edited or replaced file is read again at its next
request. The code object is immutable: worker threads share it safely.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

from baton.appserver.signature import ProgramSignature, parse_signature
from baton.errors import ProgramSourceError

#: Programs kept; the least recently used beyond this are read again when asked for.
MAX_PROGRAMS = 512

_Stamp = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class CompiledProgram:
    """A program file, read.

    Attributes:
        signature: what its ``main()`` takes and returns (read statically).
        code: the module's code, compiled.
    """

    signature: ProgramSignature
    code: CodeType


class CompiledPrograms:
    """The programs a server has read, by file."""

    def __init__(self, size: int = MAX_PROGRAMS) -> None:
        self._size = size
        self._entries: OrderedDict[Path, tuple[_Stamp, CompiledProgram]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path, *, name: str) -> CompiledProgram:
        """The program in ``path``, read now if it is new or changed.

        Args:
            path: the resolved file.
            name: the program as messages name it (``library.name``).

        Raises:
            ProgramSourceError: the file cannot be read, or is not valid Python.
        """
        try:
            status = os.stat(path)
        except OSError as exc:
            raise ProgramSourceError(name, exc.strerror or str(exc)) from exc
        stamp = (
            status.st_dev,
            status.st_ino,
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
        )
        with self._lock:
            entry = self._entries.get(path)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(path)
                return entry[1]
        program = _read(path, name)
        with self._lock:
            self._entries[path] = (stamp, program)
            self._entries.move_to_end(path)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return program


def _read(path: Path, name: str) -> CompiledProgram:
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise ProgramSourceError(name, exc.strerror or str(exc)) from exc
    signature = parse_signature(source, name=name)
    try:
        code = compile(source, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:  # parse_signature already refused most
        raise ProgramSourceError(name, str(exc)) from exc
    return CompiledProgram(signature, code)
