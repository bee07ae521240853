from __future__ import annotations

import pytest

from baton.cli.exits import ExitCode, exit_code
from baton.errors import (
    AlreadyExists,
    AuthenticationFailed,
    BatonError,
    BodyTooLarge,
    ConfigError,
    Conflict,
    CsrfFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RegistryError,
    SchemaOutOfDate,
    SecretError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (BatonError("x"), ExitCode.ERROR),
        (RegistryError("x"), ExitCode.ERROR),
        (BodyTooLarge(10), ExitCode.ERROR),
        (NotFound("user", "bob"), ExitCode.NOT_FOUND),
        (AlreadyExists("user", "bob"), ExitCode.CONFLICT),
        (Conflict("x"), ExitCode.CONFLICT),
        (InvalidInput("name", "bad"), ExitCode.INVALID_INPUT),
        (AuthenticationFailed("x"), ExitCode.DENIED),
        (PermissionDenied("run", "program x"), ExitCode.DENIED),
        (CsrfFailed("x"), ExitCode.DENIED),
        (SchemaOutOfDate(None, "0001"), ExitCode.SCHEMA_OUT_OF_DATE),
        (ConfigError("x", key="port"), ExitCode.CONFIG),
        (SecretError("x"), ExitCode.SECRET),
    ],
)
def test_each_error_class_has_its_code(error: BatonError, code: ExitCode) -> None:
    assert exit_code(error) is code


def test_subclass_inherits_the_nearest_code() -> None:
    class NoSuchWidget(NotFound):
        pass

    assert exit_code(NoSuchWidget("widget", "w")) is ExitCode.NOT_FOUND


def test_codes_are_distinct_and_usage_is_typers() -> None:
    assert len({int(code) for code in ExitCode}) == len(ExitCode)
    assert int(ExitCode.USAGE) == 2
