"""Names of registry entities: what a user, group, service, ... may be called."""

from __future__ import annotations

import re

from baton.errors import InvalidInput

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_OS_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
_DOTTED = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}(\.[A-Za-z][A-Za-z0-9_-]{0,63})*")


def check_name(value: str, field: str = "name") -> str:
    """Return ``value`` if it is a valid entity name: a letter, then letters, digits, _ or -."""
    if not _NAME.fullmatch(value):
        raise InvalidInput(
            field,
            f"{value!r} is not a valid name (a letter, then up to 63 letters, digits, _ or -)",
        )
    return value


def check_resource_name(value: str, field: str = "resource_name") -> str:
    """A permission's resource: a name, dotted ``library.program``, ``library.*`` or ``*``."""
    if value == "*":
        return value
    base = value[:-2] if value.endswith(".*") else value
    if len(value) > 200 or not _DOTTED.fullmatch(base):
        raise InvalidInput(field, f"{value!r} is not a resource name, 'lib.*' or '*'")
    return value


def check_os_user(value: str, field: str = "username") -> str:
    """An operating-system account name (POSIX portable: letters, digits, ``_ . -``)."""
    if not _OS_USER.fullmatch(value):
        raise InvalidInput(field, f"{value!r} is not an OS account name")
    return value
