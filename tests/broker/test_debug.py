"""``_DEBUG``: numbers, keywords, their mix, what is refused, and what the service's mask leaves."""

from __future__ import annotations

import pytest

from baton.broker.debug import DebugFlag, allowed_debug, parse_debug
from baton.errors import MalformedBody

pytestmark = pytest.mark.usefixtures("no_leaked_descriptors")


def test_the_flags_have_their_classic_values() -> None:
    assert {flag.name: flag.value for flag in DebugFlag} == {
        "FIELDS": 1,
        "TIME": 2,
        "SERVICES": 4,
        "DUMP": 16,
        "LOG": 128,
        "HOSTPORT": 512,
        "TRACE": 2048,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DebugFlag(0)),
        ("", DebugFlag(0)),
        ("  ,+ ", DebugFlag(0)),
        ("0", DebugFlag(0)),
        ("2", DebugFlag.TIME),
        ("130", DebugFlag.TIME | DebugFlag.LOG),
        (
            "2711",
            DebugFlag.FIELDS
            | DebugFlag.TIME
            | DebugFlag.SERVICES
            | DebugFlag.DUMP
            | DebugFlag.LOG
            | DebugFlag.HOSTPORT
            | DebugFlag.TRACE,
        ),
        ("time,log", DebugFlag.TIME | DebugFlag.LOG),
        ("TIME LOG", DebugFlag.TIME | DebugFlag.LOG),
        ("Time+Log", DebugFlag.TIME | DebugFlag.LOG),
        ("time, log ,\ttrace", DebugFlag.TIME | DebugFlag.LOG | DebugFlag.TRACE),
        ("fields 128", DebugFlag.FIELDS | DebugFlag.LOG),
        ("time,time,2", DebugFlag.TIME),
        ("hostport dump services", DebugFlag.HOSTPORT | DebugFlag.DUMP | DebugFlag.SERVICES),
    ],
)
def test_numbers_keywords_and_mixes(value: str | None, expected: DebugFlag) -> None:
    assert parse_debug(value) == expected


@pytest.mark.parametrize("value", ["8", "4096", "65536", "4294967295"])
def test_bits_that_are_no_flag_are_dropped(value: str) -> None:
    flags = parse_debug(value)

    assert flags & ~sum(DebugFlag) == 0
    assert flags == int(value) & sum(DebugFlag)


def test_a_sum_with_undefined_bits_keeps_the_defined_ones() -> None:
    assert parse_debug("11") == DebugFlag.FIELDS | DebugFlag.TIME


@pytest.mark.parametrize("word", ["xyz", "times", "0x2", "ｔｉｍｅ", "time;log", "1.5"])
def test_an_unknown_word_is_refused_with_the_list_of_flags(word: str) -> None:
    with pytest.raises(MalformedBody) as caught:
        parse_debug(f"time,{word}")

    assert caught.value.detail == (
        f"_DEBUG: {word!r} is not a debug flag (FIELDS, TIME, SERVICES, DUMP, LOG, HOSTPORT, TRACE)"
    )


@pytest.mark.parametrize("number", ["-1", "-2", "4294967296", "9" * 20, "1" * 5000])
def test_a_negative_or_huge_number_is_refused(number: str) -> None:
    with pytest.raises(MalformedBody, match="is not a number of 0..4294967295"):
        parse_debug(number)


def test_a_long_word_is_shortened_in_the_sentence() -> None:
    with pytest.raises(MalformedBody) as caught:
        parse_debug("x" * 1000)

    assert len(caught.value.detail) < 200


def test_an_administrator_gets_every_flag_requested() -> None:
    requested = DebugFlag.FIELDS | DebugFlag.LOG | DebugFlag.TRACE

    assert allowed_debug(requested, 2, administers=True) == requested


def test_others_get_only_the_flags_of_the_mask() -> None:
    requested = DebugFlag.FIELDS | DebugFlag.TIME | DebugFlag.LOG

    assert allowed_debug(requested, 2, administers=False) == DebugFlag.TIME
    assert allowed_debug(requested, 0, administers=False) == DebugFlag(0)
    assert allowed_debug(requested, 2 | 128 | 8, administers=False) == (
        DebugFlag.TIME | DebugFlag.LOG
    )
    assert isinstance(allowed_debug(requested, 0xFFFF, administers=False), DebugFlag)
