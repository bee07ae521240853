"""Request fields to ``main()`` arguments: conversions, defaults, and every way to get it wrong."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.appserver.coercion import coerce
from baton.appserver.signature import ProgramSignature, parse_signature
from baton.errors import InvalidFieldValue

PROGRAM = parse_signature(
    textwrap.dedent(
        """\
        from datetime import date, datetime
        from typing import Literal

        def main(
            region: Literal["north", "south"],
            year: int = 2024,
            ratio: float = 0.5,
            detail: bool = False,
            day: date | None = None,
            at: datetime | None = None,
            years: list[int] = [2023],
            tags: list[str] | None = None,
            note: str = "",
            limit: int | None = None,
            kinds: list[Literal["a", "b"]] = (),
            since: date = date.today(),
            extra=3,
        ) -> dict[str, object]:
            ...
        """
    )
)
DEFAULTS = {
    "year": 2024,
    "ratio": 0.5,
    "detail": False,
    "day": None,
    "at": None,
    "years": [2023],
    "tags": None,
    "note": "",
    "limit": None,
    "kinds": [],
    "extra": 3,
}


def run(*fields: tuple[str, str], signature: ProgramSignature = PROGRAM) -> dict[str, object]:
    return coerce(signature, list(fields))


def test_defaults_apply_and_non_literal_defaults_are_left_to_main() -> None:
    arguments = run(("region", "north"))

    assert arguments == {"region": "north", **DEFAULTS}
    assert "since" not in arguments  # date.today() is main()'s business
    assert list(arguments) == [p.name for p in PROGRAM.parameters if p.name != "since"]


def test_every_type_converts() -> None:
    arguments = run(
        ("region", "south"),
        ("year", " 1999 "),
        ("ratio", "-2.5e1"),
        ("detail", "YES"),
        ("day", "2024-02-29"),
        ("at", "2024-03-31T12:30:00+02:00"),
        ("years", "2020"),
        ("years", "+2021"),
        ("tags", "a,b"),
        ("tags", ""),
        ("note", "  kept as is  "),
        ("limit", "7"),
        ("kinds", "b"),
        ("kinds", "a"),
        ("since", "2000-01-01"),
        ("extra", "12"),
    )

    assert arguments == {
        "region": "south",
        "year": 1999,
        "ratio": -25.0,
        "detail": True,
        "day": date(2024, 2, 29),
        "at": datetime(2024, 3, 31, 12, 30, tzinfo=timezone(timedelta(hours=2))),
        "years": [2020, 2021],
        "tags": ["a,b", ""],  # not split on commas; empty strings are strings
        "note": "  kept as is  ",
        "limit": 7,
        "kinds": ["b", "a"],
        "since": date(2000, 1, 1),
        "extra": 12,
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (text, text.strip().lower() in {"true", "1", "yes", "on"})
        for text in ["true", "True", "TRUE", "1", "yes", "Yes", "on", "ON", " on "]
        + ["false", "False", "0", "no", "NO", "off", "Off"]
    ],
)
def test_booleans(text: str, value: bool) -> None:
    assert run(("region", "north"), ("detail", text))["detail"] is value


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3.0), ("-0.25", -0.25), (".5", 0.5), ("5.", 5.0), ("1E3", 1000.0), ("+7", 7.0)],
)
def test_numbers(text: str, value: float) -> None:
    assert run(("region", "north"), ("ratio", text))["ratio"] == value


def test_a_date_and_time_may_be_a_date_alone_or_end_in_z() -> None:
    assert run(("region", "north"), ("at", "2024-01-02"))["at"] == datetime(2024, 1, 2)
    utc = run(("region", "north"), ("at", "2024-01-02T03:04:05Z"))["at"]
    assert utc == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_blank_values_count_as_absent_except_for_strings() -> None:
    arguments = run(
        ("region", "north"),
        ("year", ""),
        ("ratio", "  "),
        ("day", ""),
        ("years", ""),
        ("note", ""),
        ("kinds", ""),
    )

    assert arguments == {"region": "north", **DEFAULTS}


def test_a_blank_choice_is_absent_so_a_required_one_is_missing() -> None:
    with pytest.raises(InvalidFieldValue) as caught:
        run(("region", ""))

    assert caught.value.detail == "region: expected one of 'north', 'south', but it is missing"


def test_unknown_fields_are_ignored() -> None:
    arguments = run(("region", "north"), ("_PROGRAM", "x.y"), ("Year", "abc"), ("zzz", "1"))

    assert arguments == {"region": "north", **DEFAULTS}


def test_a_program_without_main_takes_nothing() -> None:
    assert run(("a", "1"), signature=ProgramSignature(has_main=False)) == {}


def test_a_nullable_parameter_without_default_gets_none() -> None:
    signature = parse_signature("def main(x: int | None, y: list[str] | None): ...")

    assert coerce(signature, []) == {"x": None, "y": None}


def test_a_tuple_default_stays_a_tuple_for_a_non_list_parameter() -> None:
    signature = parse_signature("def main(x: str = ('a', 'b')): ...")

    assert coerce(signature, []) == {"x": ("a", "b")}


ERRORS = [
    ([("year", "abc")], "year", "year: expected an integer, got 'abc'"),
    ([("year", "1.5")], "year", "year: expected an integer, got '1.5'"),
    ([("year", "1_000")], "year", "year: expected an integer, got '1_000'"),
    ([("year", "\u0661\u0662")], "year", "year: expected an integer, got '\u0661\u0662'"),
    ([("year", "1"), ("year", "2")], "year", "year: expected an integer, got 2 values"),
    ([("ratio", "nan")], "ratio", "ratio: expected a number, got 'nan'"),
    ([("ratio", "inf")], "ratio", "ratio: expected a number, got 'inf'"),
    ([("ratio", "1e999")], "ratio", "ratio: expected a number, got '1e999'"),
    ([("ratio", "0x10")], "ratio", "ratio: expected a number, got '0x10'"),
    (
        [("detail", "maybe")],
        "detail",
        "detail: expected a boolean (true/false, yes/no, on/off, 1/0), got 'maybe'",
    ),
    (
        [("day", "31/12/2024")],
        "day",
        "day: expected a date (ISO 8601, like 2024-03-31), got '31/12/2024'",
    ),
    (
        [("day", "2023-02-29")],
        "day",
        "day: expected a date (ISO 8601, like 2024-03-31), got '2023-02-29'",
    ),
    (
        [("at", "yesterday")],
        "at",
        "at: expected a date and time (ISO 8601, like 2024-03-31T12:00:00), got 'yesterday'",
    ),
    (
        [("years", "2020"), ("years", "x")],
        "years",
        "years: expected an integer, got 'x'",  # the item's type
    ),
    (
        [("kinds", "c")],
        "kinds",
        "kinds: expected one of 'a', 'b', got 'c'",
    ),
    ([("region", "east")], "region", "region: expected one of 'north', 'south', got 'east'"),
    ([("region", "North")], "region", "region: expected one of 'north', 'south', got 'North'"),
    ([("limit", "ten")], "limit", "limit: expected an integer, got 'ten'"),
    # More digits than int() converts; the value is shortened in the sentence.
    ([("year", "9" * 5000)], "year", f"year: expected an integer, got '{'9' * 40}...'"),
]


@pytest.mark.parametrize(("fields", "field", "sentence"), ERRORS)
def test_bad_values_name_the_field_and_the_type(
    fields: list[tuple[str, str]], field: str, sentence: str
) -> None:
    with pytest.raises(InvalidFieldValue) as caught:
        coerce(PROGRAM, [("region", "north")] * (field != "region") + fields)

    assert caught.value.field == field
    assert caught.value.detail == sentence
    assert caught.value.expected in sentence


def test_a_missing_required_field() -> None:
    with pytest.raises(InvalidFieldValue) as caught:
        run(("year", "2024"))

    assert caught.value.field == "region"
    assert caught.value.expected == "one of 'north', 'south'"
    assert caught.value.problem == "but it is missing"


def test_missing_required_fields_of_every_type() -> None:
    signature = parse_signature(
        "from datetime import date\ndef main(a: str, b: int, c: list[date], d: bool): ..."
    )
    for name in "abcd":
        fields = [(other, "1") for other in "abcd" if other < name]
        fields = [(n, "2024-01-01" if n == "c" else v) for n, v in fields]
        with pytest.raises(InvalidFieldValue) as caught:
            coerce(signature, fields)
        assert caught.value.field == name
        assert caught.value.detail.endswith("but it is missing")


NAMES = st.sampled_from([p.name for p in PROGRAM.parameters] + ["other", "Year", ""])


@settings(max_examples=500, deadline=None)
@given(fields=st.lists(st.tuples(NAMES, st.text(max_size=60)), max_size=12))
def test_anything_converts_or_raises_invalid_field_value(fields: list[tuple[str, str]]) -> None:
    try:
        arguments = coerce(PROGRAM, fields)
    except InvalidFieldValue as error:
        assert error.field in {p.name for p in PROGRAM.parameters}
        return
    assert set(arguments) <= {p.name for p in PROGRAM.parameters}
    assert isinstance(arguments["year"], int)
    assert arguments["region"] in ("north", "south")


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.text(max_size=40),
        st.from_regex(r"[+-]?[0-9]{0,6}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
        st.dates().map(date.isoformat),
        st.datetimes().map(datetime.isoformat),
    ),
    name=st.sampled_from(["year", "ratio", "detail", "day", "at", "years", "kinds", "limit"]),
)
def test_typed_values_convert_or_raise_invalid_field_value(value: str, name: str) -> None:
    try:
        coerce(PROGRAM, [("region", "north"), (name, value)])
    except InvalidFieldValue as error:
        assert error.field == name
