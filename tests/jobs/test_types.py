"""The job type system: constructors, ``assignable``, ``common_type``, ``type_of_value`` and
``parse_type``, with properties checked over generated types and values."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.jobs.types import (
    DOCUMENT_TYPE_NAMES,
    MAX_TYPE_DEPTH,
    JobType,
    TypeKind,
    assignable,
    common_type,
    parse_type,
    type_of_value,
)

STR, INT, NUM, BOOL = JobType.STRING, JobType.INTEGER, JobType.NUMBER, JobType.BOOLEAN
DATE, DATETIME, ANY, NULL = JobType.DATE, JobType.DATETIME, JobType.ANY, JobType.NULL
LIST = JobType.of(TypeKind.LIST)
OBJECT = JobType.of(TypeKind.OBJECT)


def lst(items: JobType | None) -> JobType:
    return JobType.list_of(items)


def obj(**fields: JobType) -> JobType:
    return JobType.object_of(fields)


# --- Kinds and constructors ----------------------------------------------------------------


def test_kinds_are_lower_case_names() -> None:
    assert [kind.value for kind in TypeKind][:10] == [
        "string",
        "integer",
        "number",
        "boolean",
        "date",
        "datetime",
        "list",
        "object",
        "null",
        "any",
    ]
    assert TypeKind("integer") is TypeKind.INTEGER


@pytest.mark.parametrize(
    ("constant", "kind"),
    [
        (JobType.STRING, TypeKind.STRING),
        (JobType.INTEGER, TypeKind.INTEGER),
        (JobType.NUMBER, TypeKind.NUMBER),
        (JobType.BOOLEAN, TypeKind.BOOLEAN),
        (JobType.DATE, TypeKind.DATE),
        (JobType.DATETIME, TypeKind.DATETIME),
        (JobType.ANY, TypeKind.ANY),
        (JobType.NULL, TypeKind.NULL),
        (JobType.DURATION, TypeKind.DURATION),
    ],
)
def test_constants_are_plain_types_of_their_kind(constant: JobType, kind: TypeKind) -> None:
    assert constant == JobType.of(kind) == JobType(kind)
    assert constant.items is None and constant.fields is None


@pytest.mark.parametrize(
    ("made", "text"),
    [
        (STR, "string"),
        (LIST, "list"),
        (lst(INT), "list<integer>"),
        (lst(lst(STR)), "list<list<string>>"),
        (OBJECT, "object"),
        (obj(a=STR), "object{a: string}"),
        (obj(a=STR, b=lst(NUM)), "object{a: string, b: list<number>}"),
        (JobType.object_of({}), "object{}"),
        (lst(obj(x=DATE)), "list<object{x: date}>"),
    ],
)
def test_str_writes_the_document_form(made: JobType, text: str) -> None:
    assert str(made) == text


def test_a_list_of_any_is_a_list_of_unknown_items() -> None:
    assert lst(ANY) == LIST == lst(None)
    assert lst(ANY).items is None
    assert lst(ANY).item_type() == ANY
    assert lst(INT).item_type() == INT


def test_fields_are_copied_and_read_only() -> None:
    fields = {"a": STR}
    made = JobType.object_of(fields)
    fields["b"] = INT
    assert made.fields is not None and dict(made.fields) == {"a": STR}
    with pytest.raises(TypeError):
        made.fields["c"] = NUM  # type: ignore[index]


def test_types_are_hashable_and_compare_by_value() -> None:
    one = obj(a=STR, b=lst(INT))
    two = JobType.object_of({"b": lst(INT), "a": STR})
    assert one == two and hash(one) == hash(two)
    assert len({one, two, obj(a=STR), LIST, lst(None)}) == 3
    assert obj(a=STR) != obj(a=INT) and lst(INT) != lst(NUM)


def test_field_type_of_open_and_closed_objects() -> None:
    assert OBJECT.field_type("anything") == ANY
    assert obj(a=STR).field_type("a") == STR
    assert obj(a=STR).field_type("b") is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: JobType(TypeKind.STRING, items=INT),
        lambda: JobType(TypeKind.LIST, fields={"a": STR}),
        lambda: JobType(TypeKind.INTEGER, fields={}),
    ],
)
def test_items_and_fields_only_on_lists_and_objects(build: object) -> None:
    with pytest.raises(ValueError, match="only a"):
        build()  # type: ignore[operator]


# --- assignable ----------------------------------------------------------------------------

ASSIGNABLE = [
    # any on either side
    (ANY, STR),
    (STR, ANY),
    (lst(INT), ANY),
    (ANY, obj(a=STR)),
    (NULL, ANY),
    # scalars
    (STR, STR),
    (INT, INT),
    (NUM, NUM),
    (BOOL, BOOL),
    (DATE, DATE),
    (DATETIME, DATETIME),
    (INT, NUM),
    # lists
    (lst(INT), lst(INT)),
    (lst(INT), lst(NUM)),
    (lst(INT), LIST),
    (LIST, lst(INT)),
    (lst(lst(INT)), lst(lst(NUM))),
    (lst(ANY), lst(STR)),
    # objects
    (obj(a=STR, b=INT), obj(a=STR)),
    (obj(a=INT), obj(a=NUM)),
    (obj(a=STR), OBJECT),
    (OBJECT, obj(a=STR)),
    (obj(a=obj(b=INT)), obj(a=obj(b=NUM))),
    (obj(), obj()),
]

NOT_ASSIGNABLE = [
    (NUM, INT),
    (STR, INT),
    (INT, STR),
    (BOOL, INT),
    (INT, BOOL),
    (NULL, STR),
    (NULL, INT),
    (NULL, lst(INT)),
    (NULL, OBJECT),
    (DATE, DATETIME),
    (DATETIME, DATE),
    (DATE, STR),
    (DATETIME, STR),
    (STR, DATE),
    (lst(NUM), lst(INT)),
    (lst(STR), lst(INT)),
    (lst(INT), INT),
    (INT, lst(INT)),
    (lst(INT), OBJECT),
    (obj(a=STR), obj(a=STR, b=INT)),
    (obj(a=STR), obj(a=INT)),
    (obj(a=NUM), obj(a=INT)),
    (obj(a=obj(b=NUM)), obj(a=obj(b=INT))),
    (OBJECT, LIST),
]


@pytest.mark.parametrize(("source", "target"), ASSIGNABLE, ids=lambda t: str(t))
def test_assignable(source: JobType, target: JobType) -> None:
    assert assignable(source, target)


@pytest.mark.parametrize(("source", "target"), NOT_ASSIGNABLE, ids=lambda t: str(t))
def test_not_assignable(source: JobType, target: JobType) -> None:
    assert not assignable(source, target)


# --- common_type ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "common"),
    [
        (STR, STR, STR),
        (INT, NUM, NUM),
        (NUM, INT, NUM),
        (INT, STR, ANY),
        (NULL, STR, ANY),
        (DATE, DATETIME, ANY),
        (lst(INT), lst(NUM), lst(NUM)),
        (lst(INT), lst(STR), LIST),
        (lst(INT), LIST, LIST),
        (obj(a=INT), obj(a=NUM), obj(a=NUM)),
        (obj(a=INT), obj(b=INT), OBJECT),
        (obj(a=INT), OBJECT, OBJECT),
        (lst(INT), OBJECT, ANY),
    ],
)
def test_common_type(first: JobType, second: JobType, common: JobType) -> None:
    assert common_type(first, second) == common


# --- type_of_value -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, NULL),
        (True, BOOL),
        (False, BOOL),
        (0, INT),
        (-(2**70), INT),
        (1.5, NUM),
        ("", STR),
        (datetime.datetime(2024, 1, 2, 3, 4), DATETIME),
        (datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC), DATETIME),
        (datetime.date(2024, 1, 2), DATE),
        (datetime.timedelta(hours=1), JobType.DURATION),
        ([], LIST),
        ([1, 2], lst(INT)),
        ((1, 2), lst(INT)),
        ([1, 2.5], lst(NUM)),
        ([1, "a"], LIST),
        ([None, None], LIST),
        ([True, 1], LIST),
        ([[1], [2.5]], lst(lst(NUM))),
        ({}, JobType.object_of({})),
        ({"a": 1, "b": [True]}, obj(a=INT, b=lst(BOOL))),
        ([{"x": 1}, {"x": 2}], lst(obj(x=INT))),
        ([{"x": 1}, {"y": 2}], lst(OBJECT)),
    ],
    ids=repr,
)
def test_type_of_value(value: object, expected: JobType) -> None:
    assert type_of_value(value) == expected


@pytest.mark.parametrize(
    "value",
    [{1, 2}, b"bytes", object(), {1: "a"}, [object()], {"a": {"b": 1j}}],
    ids=["set", "bytes", "object", "int-key", "object-item", "complex-field"],
)
def test_type_of_value_refuses_what_is_not_json_like(value: object) -> None:
    with pytest.raises(TypeError):
        type_of_value(value)


# --- parse_type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("string", STR),
        ("integer", INT),
        ("number", NUM),
        ("boolean", BOOL),
        ("date", DATE),
        ("datetime", DATETIME),
        ("any", ANY),
        ("list", LIST),
        ("object", OBJECT),
        ("list<integer>", lst(INT)),
        ("list<any>", LIST),
        ("list<list<string>>", lst(lst(STR))),
        ("  list < list < string > >  ", lst(lst(STR))),
        ("object{}", JobType.object_of({})),
        ("object{a: string, b: list<integer>}", obj(a=STR, b=lst(INT))),
        ("list<object{when: datetime}>", lst(obj(when=DATETIME))),
    ],
)
def test_parse_type(text: str, expected: JobType) -> None:
    assert parse_type(text) == expected


def test_every_document_name_parses() -> None:
    for name in DOCUMENT_TYPE_NAMES:
        assert str(parse_type(name)) == name


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("strin", "'strin'"),
        ("String", "'String'"),
        ("int", "'int'"),
        ("null", "'null'"),
        ("duration", "'duration'"),
        ("list<foo>", "'foo'"),
        ("list<list<bar>>", "'bar'"),
        ("object{a: baz}", "'baz'"),
    ],
)
def test_parse_type_names_the_unknown_type(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"unknown type {named}") as caught:
        parse_type(text)
    assert "string, integer, number" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "expected a type name"),
        ("   ", "expected a type name"),
        ("list<", "expected a type name"),
        ("list<integer", "expected '>'"),
        ("list<integer>>", "unexpected '>'"),
        ("integer string", "unexpected 'string'"),
        ("object{a}", "expected ':'"),
        ("object{a: string b: integer}", "expected ','"),
        ("object{a: string, a: integer}", "duplicate field 'a'"),
        ("object{1: string}", "expected a field name"),
        ("list<" * (MAX_TYPE_DEPTH + 2) + "string" + ">" * (MAX_TYPE_DEPTH + 2), "nested deeper"),
    ],
)
def test_parse_type_refuses_malformed_text(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_type(text)


# --- Properties ----------------------------------------------------------------------------

_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
_SCALARS = st.sampled_from([STR, INT, NUM, BOOL, DATE, DATETIME, ANY])
DOCUMENT_TYPES = st.recursive(
    _SCALARS | st.just(LIST) | st.just(OBJECT),
    lambda inner: st.one_of(
        inner.map(JobType.list_of),
        st.dictionaries(_NAMES, inner, max_size=3).map(JobType.object_of),
    ),
    max_leaves=8,
)
ALL_TYPES = st.recursive(
    st.sampled_from(
        [STR, INT, NUM, BOOL, DATE, DATETIME, ANY, NULL, JobType.DURATION, LIST, OBJECT]
    ),
    lambda inner: st.one_of(
        inner.map(JobType.list_of),
        st.dictionaries(_NAMES, inner, max_size=3).map(JobType.object_of),
    ),
    max_leaves=8,
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.dates()
    | st.datetimes(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(DOCUMENT_TYPES)
def test_str_and_parse_type_round_trip(made: JobType) -> None:
    assert parse_type(str(made)) == made


@given(st.text())
def test_parse_type_raises_only_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_type(text)


@given(ALL_TYPES)
def test_assignable_is_reflexive_and_any_takes_everything(made: JobType) -> None:
    assert assignable(made, made)
    assert assignable(made, ANY) and assignable(ANY, made)


@given(ALL_TYPES, ALL_TYPES)
def test_common_type_is_a_supertype_of_both(first: JobType, second: JobType) -> None:
    common = common_type(first, second)
    assert assignable(first, common) and assignable(second, common)
    assert common_type(second, first) == common


@given(JSON_VALUES)
def test_a_value_fits_its_own_type(value: object) -> None:
    made = type_of_value(value)
    assert assignable(made, made)
    if isinstance(value, Mapping):
        assert made.fields is not None and set(made.fields) == set(value)
