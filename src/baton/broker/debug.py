"""The ``_DEBUG`` field: which debugging aids a request asks for, and which it gets.

``_DEBUG`` is a number (the sum of the flags, ``130`` = TIME + LOG), keywords (``time,log``,
``TIME LOG``, ``time+log``, any case), or a mix of both. The flags:

========  =====  ==================================================================
flag      value  what the broker does
========  =====  ==================================================================
FIELDS    1      echoes the fields it received, after the program's output
TIME      2      appends the request's elapsed time
SERVICES  4      lists the services (instead of running a program)
DUMP      16     dumps the raw response (status, headers, body) as text
LOG       128    appends the lines the program logged
HOSTPORT  512    shows which application server ran the program
TRACE     2048   traces the broker's own steps (service, server, frames)
========  =====  ==================================================================

What a caller asks for is not what it gets: :func:`allowed_debug` keeps only the flags of the
service's ``debug_mask`` (TIME alone by default) unless the caller administers the service, since
fields, logs and server addresses may say more than the program's author meant to publish.
"""

from __future__ import annotations

import re
from enum import IntFlag

from baton.errors import MalformedBody


class DebugFlag(IntFlag):
    """One ``_DEBUG`` flag; a request's flags are their union (the module docstring has each)."""

    FIELDS = 1
    TIME = 2
    SERVICES = 4
    DUMP = 16
    LOG = 128
    HOSTPORT = 512
    TRACE = 2048


#: Every defined flag: a number's other bits are dropped.
ALL_FLAGS = DebugFlag(sum(DebugFlag))
#: The largest number accepted, as the REQUEST frame's ``debug`` field carries it.
MAX_NUMBER = 2**32 - 1

_SEPARATORS = re.compile(r"[,+\s]+")
_NUMBER = re.compile(r"-?[0-9]+")
_SHOWN = 40


def parse_debug(value: str | None) -> DebugFlag:
    """Read a ``_DEBUG`` value: a number, keywords, or both, separated by commas, spaces or ``+``.

    Args:
        value: the field's value as sent, or None when the request has no ``_DEBUG``.

    Returns:
        The union of the flags named; 0 for None or a blank value. A number's bits that are no
        flag are dropped (``11`` is FIELDS | TIME: 8 is no flag).

    Raises:
        MalformedBody: a word that is no flag, or a number that is negative or over 2**32 - 1.
    """
    flags = DebugFlag(0)
    for word in _SEPARATORS.split(value or ""):
        if not word:
            continue
        if _NUMBER.fullmatch(word):
            # Bounded by length first: int() of thousands of digits is slow, then refused.
            number = int(word) if len(word) <= 10 else -1
            if not 0 <= number <= MAX_NUMBER:
                raise MalformedBody(
                    f"_DEBUG: {_shorten(word)!r} is not a number of 0..{MAX_NUMBER}"
                )
            flags |= DebugFlag(number & ALL_FLAGS)
            continue
        member = DebugFlag.__members__.get(word.upper()) if word.isascii() else None
        if member is None:
            raise MalformedBody(f"_DEBUG: {_shorten(word)!r} is not a debug flag ({_names()})")
        flags |= member
    return flags


def allowed_debug(requested: DebugFlag, mask: int, *, administers: bool) -> DebugFlag:
    """The flags a request keeps.

    Args:
        requested: what :func:`parse_debug` read.
        mask: the service's ``debug_mask`` (2, TIME alone, by default).
        administers: whether the caller administers the service.

    Returns:
        Every requested flag for an administrator; otherwise those in ``mask`` too.
    """
    if administers:
        return requested
    return requested & DebugFlag(mask & ALL_FLAGS)


def _names() -> str:
    return ", ".join(flag.name for flag in DebugFlag if flag.name)


def _shorten(word: str) -> str:
    return word if len(word) <= _SHOWN else word[:_SHOWN] + "..."
