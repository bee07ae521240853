"""Exit codes of the ``baton`` command, in one table.

Every :class:`~baton.errors.BatonError` that reaches the command line is turned into an exit
code here; the code of the nearest class in the error's MRO wins, so a new subclass inherits its
parent's code until the table names it. Usage errors (a missing or malformed argument) exit with
2, as typer reports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType

from baton.errors import (
    AlreadyExists,
    AuthError,
    BatonError,
    ConfigError,
    Conflict,
    InvalidFieldValue,
    InvalidInput,
    InvalidJobDocument,
    JobLocked,
    JobNotRunnable,
    NotFound,
    OperatorBusy,
    ProgramNotFound,
    SchemaOutOfDate,
    SecretError,
    SessionNotFound,
    UnknownService,
)


class ExitCode(IntEnum):
    """What the ``baton`` command's exit status means."""

    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    INVALID_INPUT = 5
    DENIED = 6
    SCHEMA_OUT_OF_DATE = 7
    CONFIG = 8
    SECRET = 9


EXIT_CODES: Mapping[type[BatonError], ExitCode] = MappingProxyType(
    {
        BatonError: ExitCode.ERROR,
        NotFound: ExitCode.NOT_FOUND,
        ProgramNotFound: ExitCode.NOT_FOUND,
        UnknownService: ExitCode.NOT_FOUND,
        SessionNotFound: ExitCode.NOT_FOUND,
        AlreadyExists: ExitCode.CONFLICT,
        Conflict: ExitCode.CONFLICT,
        OperatorBusy: ExitCode.CONFLICT,
        InvalidInput: ExitCode.INVALID_INPUT,
        InvalidJobDocument: ExitCode.INVALID_INPUT,
        JobLocked: ExitCode.CONFLICT,
        JobNotRunnable: ExitCode.CONFLICT,
        InvalidFieldValue: ExitCode.INVALID_INPUT,
        AuthError: ExitCode.DENIED,
        SchemaOutOfDate: ExitCode.SCHEMA_OUT_OF_DATE,
        ConfigError: ExitCode.CONFIG,
        SecretError: ExitCode.SECRET,
    }
)


def exit_code(error: BatonError) -> ExitCode:
    """The exit code of ``error``: the table entry of the nearest class in its MRO."""
    for cls in type(error).__mro__:
        code = EXIT_CODES.get(cls)
        if code is not None:
            return code
    return ExitCode.ERROR
