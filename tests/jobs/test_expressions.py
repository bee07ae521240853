"""CEL expressions: parsing and its limits, the static type checker, evaluation, templates, and
properties over arbitrary and generated text (refusals are ExpressionError, never a crash;
injected text stays data; checked types hold at run time)."""

from __future__ import annotations

import contextlib
import datetime
import sys
from collections.abc import Callable, Iterator, Mapping
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.errors import BatonError
from baton.jobs.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    Expression,
    ExpressionError,
    check,
    check_template,
    evaluate,
    parse,
    render_template,
    template_parts,
)
from baton.jobs.types import JobType, TypeKind, assignable, type_of_value

STR, INT, NUM, BOOL = JobType.STRING, JobType.INTEGER, JobType.NUMBER, JobType.BOOLEAN
DATE, DATETIME, DUR, ANY, NULL = (
    JobType.DATE,
    JobType.DATETIME,
    JobType.DURATION,
    JobType.ANY,
    JobType.NULL,
)
LIST, OBJECT = JobType.of(TypeKind.LIST), JobType.of(TypeKind.OBJECT)
UTC = datetime.UTC


def lst(items: JobType | None) -> JobType:
    return JobType.list_of(items)


def obj(**fields: JobType) -> JobType:
    return JobType.object_of(fields)


#: The scope of most checks, and values that fit it.
SCOPE: dict[str, JobType] = {
    "i": INT,
    "n": NUM,
    "s": STR,
    "b": BOOL,
    "d": DATE,
    "t": DATETIME,
    "a": ANY,
    "xs": lst(INT),
    "ss": lst(STR),
    "m": OBJECT,
    "o": obj(f=STR, g=lst(STR), h=obj(f=INT), when=DATE),
    "rows": lst(obj(name=STR, size=INT)),
}
VALUES: dict[str, object] = {
    "i": 3,
    "n": 2.5,
    "s": "abc",
    "b": True,
    "d": datetime.date(2024, 1, 2),
    "t": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    "a": [1, "x"],
    "xs": [1, 2, 3],
    "ss": ["ab", "cd"],
    "m": {"f": "q", "n": None},
    "o": {"f": "x", "g": ["p"], "h": {"f": 1}, "when": datetime.date(2024, 3, 4)},
    "rows": [{"name": "a", "size": 1}, {"name": "b", "size": 20}],
}


def error_of(call: object) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        call()  # type: ignore[operator]
    return caught.value


# --- ExpressionError -----------------------------------------------------------------------


def test_expression_error_carries_message_and_column() -> None:
    error = ExpressionError("bad thing", column=4)
    assert isinstance(error, BatonError)
    assert error.message == "bad thing" and error.column == 4
    assert str(error) == "bad thing (at column 4)"
    assert error.code == "expression_error"
    assert ExpressionError("plain").column is None
    assert str(ExpressionError("plain")) == "plain"


# --- Parsing -------------------------------------------------------------------------------


def test_parse_keeps_the_source_and_a_tree() -> None:
    parsed = parse("a + 1")
    assert isinstance(parsed, Expression)
    assert parsed.source == "a + 1"
    assert parsed.tree is not None
    assert parsed == parse("a + 1") and parsed != parse("a + 2")


@pytest.mark.parametrize(
    ("text", "complaint", "column"),
    [
        ("a +", "unexpected end of expression; expected a value", 4),
        ("(a", "unexpected end of expression; expected ')'", 3),
        ("[1,]", "unexpected ']'; expected a value", 4),
        ("a b", "unexpected 'b'", 3),
        ("$", "unexpected character '$'", 1),
        ("a.", "expected a name", None),
        ('"abc', "unterminated string", 1),
        ("1 ? 2", "unexpected end of expression", None),
        ("x = 1", "unexpected character '='", 3),
    ],
)
def test_syntax_errors_are_one_line_with_a_column(
    text: str, complaint: str, column: int | None
) -> None:
    error = error_of(lambda: parse(text))
    assert error.message.startswith("syntax error")
    assert complaint in error.message
    assert "\n" not in str(error) and "Traceback" not in str(error)
    if column is not None:
        assert error.column == column


def test_syntax_error_on_a_later_line_names_the_line() -> None:
    error = error_of(lambda: parse("a +\n+ )"))
    assert "line 2" in error.message


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_expression(text: str) -> None:
    assert error_of(lambda: parse(text)).message == "expression is empty"


def test_not_text() -> None:
    assert "must be text" in error_of(lambda: parse(42)).message  # type: ignore[arg-type]


def test_length_limit() -> None:
    parse("1" + " " * (MAX_LENGTH - 1))
    error = error_of(lambda: parse("1" + " " * MAX_LENGTH))
    assert "too long" in error.message and f"{MAX_LENGTH:,}" in error.message


#: Shapes nested ``depth`` times: each builds one level per step.
NESTINGS: dict[str, Callable[[int], str]] = {
    "parentheses": lambda depth: "(" * depth + "1" + ")" * depth,
    "lists": lambda depth: "[" * depth + "1" + "]" * depth,
    "maps": lambda depth: '{"k": ' * depth + "1" + "}" * depth,
    "negations": lambda depth: "-" * depth + "i",
    "nots": lambda depth: "!" * depth + "b",
    "fields": lambda depth: "m" + ".f" * depth,
    "indexes": lambda depth: "a" + "[0]" * depth,
    "calls": lambda depth: "dyn(" * depth + "1" + ")" * depth,
    "sums": lambda depth: " + ".join(["1"] * (depth + 1)),
    "conditionals": lambda depth: "b ? 1 : " * depth + "2",
    "macros": lambda depth: "xs" + ".map(v, v)" * depth,
}


@pytest.mark.parametrize("shape", sorted(NESTINGS))
def test_nesting_limit(shape: str) -> None:
    build = NESTINGS[shape]
    parse(build(MAX_DEPTH))
    error = error_of(lambda: parse(build(MAX_DEPTH + 1)))
    assert "nested too deeply" in error.message and str(MAX_DEPTH) in error.message


@pytest.mark.parametrize("shape", sorted(NESTINGS))
def test_the_deepest_allowed_expressions_evaluate(shape: str) -> None:
    text = NESTINGS[shape](MAX_DEPTH)
    if shape in ("fields", "indexes"):  # "q".f and 1[0] fail, but not for want of stack
        error = error_of(lambda: evaluate(text, VALUES, scope=SCOPE))
        assert "does not support field selection" in error.message or "index" in error.message
    else:
        evaluate(text, VALUES, scope=SCOPE)


def test_evaluation_leaves_the_recursion_limit_alone() -> None:
    before = sys.getrecursionlimit()
    evaluate("[[1]]", {})
    assert sys.getrecursionlimit() == before


def test_deeply_nested_text_far_over_the_limit_is_refused_quickly() -> None:
    error = error_of(lambda: parse("(" * 1500 + "1" + ")" * 1500))
    assert "nested too deeply" in error.message


# --- Type checking: types ------------------------------------------------------------------

CHECKED = [
    # literals
    ("1", INT),
    ("-7", INT),
    ("0x1F", INT),
    ("3u", INT),
    ("1.5", NUM),
    ("1e3", NUM),
    ('"text"', STR),
    ("'text'", STR),
    ('"""multi\nline"""', STR),
    ('r"raw\\d"', STR),
    ('b"bytes"', STR),
    ("true", BOOL),
    ("false", BOOL),
    ("null", NULL),
    ("[]", LIST),
    ("[1, 2]", lst(INT)),
    ("[1, 2.5]", lst(NUM)),
    ('[1, "a"]', LIST),
    ("[null]", LIST),
    ("{}", JobType.object_of({})),
    ('{"a": 1, "b": [true]}', obj(a=INT, b=lst(BOOL))),
    ("{s: 1}", OBJECT),
    ("{a: 1}", OBJECT),
    # variables and fields
    ("i", INT),
    ("a", ANY),
    ("o.f", STR),
    ("o.h.f", INT),
    ("o.when", DATE),
    ("m.anything", ANY),
    ("m.x.y", ANY),
    ("a.x", ANY),
    ('o["f"]', STR),
    ("o[s]", ANY),
    ('m["x"]', ANY),
    ("xs[0]", INT),
    ("xs[i]", INT),
    ("rows[0].name", STR),
    ("a[0]", ANY),
    ('a["k"]', ANY),
    # arithmetic
    ("i + 1", INT),
    ("i - 1", INT),
    ("i * 2", INT),
    ("i / 2", INT),
    ("i % 2", INT),
    ("i + 1.5", NUM),
    ("1.5 * i", NUM),
    ("n / i", NUM),
    ("n % 2.0", NUM),
    ("-i", INT),
    ("-n", NUM),
    ("-a", ANY),
    ("s + s", STR),
    ("xs + xs", lst(INT)),
    ("xs + [1.5]", lst(NUM)),
    ("a + 1", ANY),
    ("a * a", ANY),
    ('t + duration("1h")', DATETIME),
    ('duration("1h") + t', DATETIME),
    ('d + duration("24h")', DATETIME),
    ('t - duration("1h")', DATETIME),
    ("t - t", DUR),
    ("d - d", DUR),
    ('duration("1h") - duration("1m")', DUR),
    ('-duration("1h")', DUR),
    # comparisons
    ("i == 1", BOOL),
    ("i == 1.0", BOOL),
    ("i != n", BOOL),
    ("s == null", BOOL),
    ("null == o", BOOL),
    ("a == 1", BOOL),
    ("xs == [1]", BOOL),
    ("o == m", BOOL),
    ("i < n", BOOL),
    ("s <= s", BOOL),
    ("d > d", BOOL),
    ("t >= t", BOOL),
    ('duration("1h") < duration("2h")', BOOL),
    ("a < 1", BOOL),
    ("1 in xs", BOOL),
    ("1.5 in xs", BOOL),
    ('"f" in o', BOOL),
    ("s in m", BOOL),
    ("a in xs", BOOL),
    ("1 in a", BOOL),
    ("null in xs", BOOL),
    # logic and the conditional
    ("b && true", BOOL),
    ("b || a", BOOL),
    ("!b", BOOL),
    ("!a", BOOL),
    ("b ? 1 : 2", INT),
    ("b ? 1 : 2.5", NUM),
    ('b ? 1 : "x"', ANY),
    ("b ? null : 1", ANY),
    ("a ? s : s", STR),
    ("b ? xs : [2.5]", lst(NUM)),
    ('b ? o : {"f": "z"}', OBJECT),
    # functions
    ("size(s)", INT),
    ("size(xs)", INT),
    ("size(o)", INT),
    ("size(a)", INT),
    ("s.size()", INT),
    ("xs.size()", INT),
    ("int(n)", INT),
    ('int("12")', INT),
    ("int(t)", INT),
    ("int(d)", INT),
    ("uint(i)", INT),
    ("double(i)", NUM),
    ('double("1.5")', NUM),
    ("string(i)", STR),
    ("string(b)", STR),
    ("string(t)", STR),
    ('string(duration("1s"))', STR),
    ('bool("true")', BOOL),
    ('timestamp("2024-01-01T00:00:00Z")', DATETIME),
    ("timestamp(d)", DATETIME),
    ('duration("90m")', DUR),
    ("dyn(i)", ANY),
    ("dyn(i) + 1.5", ANY),
    ("has(o.f)", BOOL),
    ("has(m.x)", BOOL),
    ("has(a.x)", BOOL),
    ('s.contains("b")', BOOL),
    ('s.startsWith("a")', BOOL),
    ('s.endsWith("c")', BOOL),
    ('s.matches("^a.*$")', BOOL),
    ('a.contains("x")', BOOL),
    ("t.getFullYear()", INT),
    ('t.getHours("Europe/Paris")', INT),
    ("d.getDayOfWeek()", INT),
    ('duration("1h").getMinutes()', INT),
    # macros
    ("xs.all(v, v > 0)", BOOL),
    ("xs.exists(v, v == 2)", BOOL),
    ("xs.exists_one(v, v == 2)", BOOL),
    ("xs.map(v, v * 1.5)", lst(NUM)),
    ("xs.map(v, string(v))", lst(STR)),
    ("xs.filter(v, v > 1)", lst(INT)),
    ('rows.filter(r, r.size > 1).map(r, r.name + "!")', lst(STR)),
    ("rows.map(r, r.size).exists(v, v > 1)", BOOL),
    ("o.all(k, size(k) > 0)", BOOL),
    ("o.map(k, k)", lst(STR)),
    ("a.map(v, v)", LIST),
    ("a.filter(v, v)", LIST),
    ("xs.map(i, i)", lst(INT)),
    ("ss.map(x, ss.map(y, x + y))", lst(lst(STR))),
]


@pytest.mark.parametrize(("text", "expected"), CHECKED)
def test_check_computes_the_type(text: str, expected: JobType) -> None:
    assert check(text, SCOPE) == expected


def test_check_accepts_a_parsed_expression() -> None:
    assert check(parse("i + 1"), SCOPE) == INT


def test_the_loop_variable_shadows_only_inside_its_macro() -> None:
    assert check("xs.map(s, s + 1)", SCOPE) == lst(INT)
    assert check('[xs.map(s, s + 1), [s + "x"]]', SCOPE) == lst(LIST)
    assert "unknown variable 'v'" in error_of(lambda: check("xs.map(v, v) + [v]", SCOPE)).message


# --- Type checking: refusals ---------------------------------------------------------------

REFUSED = [
    # names, fields, functions
    ("x", "unknown variable 'x'; in scope: a, b, d, i, m, n, o, rows, s, ss, t, xs"),
    ("o.y", "object has no field 'y'; its fields: f, g, h, when"),
    ("o.h.g", "object has no field 'g'; its fields: f"),
    ('o["y"]', "object has no field 'y'"),
    ("rows[0].nme", "object has no field 'nme'"),
    ("has(o.y)", "object has no field 'y'"),
    ("i.f", "cannot select field 'f' of a value of type integer"),
    ("s.length", "cannot select field 'length' of a value of type string"),
    ("xs.f", "cannot select field 'f' of a value of type list<integer>"),
    ("has(i.f)", "cannot select field 'f' of a value of type integer"),
    ("foo(1)", "unknown function 'foo'"),
    ("s.upper()", "unknown function 'upper'"),
    ("a.frobnicate()", "unknown function 'frobnicate'"),
    ("type(i)", "unknown function 'type'"),
    ("xs.reduce(r, v, 0, r + v)", "unknown function 'reduce'"),
    ("xs.min()", "unknown function 'min'"),
    ("Point{x: 1}", "message construction"),
    (".i", "leading '.'"),
    (".size(s)", "leading '.'"),
    # arithmetic
    ('"a" + 1', "operator + cannot be applied to string and integer"),
    ("b + b", "operator + cannot be applied to boolean and boolean"),
    ("s - s", "operator - cannot be applied to string and string"),
    ("s * 2", "operator * cannot be applied to string and integer"),
    ("xs * 2", "operator * cannot be applied to list<integer> and integer"),
    ("null + 1", "operator + cannot be applied to null and integer"),
    ("o + o", "operator + cannot be applied to object"),
    ("d + d", "operator + cannot be applied to date and date"),
    ("t + 1", "operator + cannot be applied to datetime and integer"),
    ("d - t", "operator - cannot be applied to date and datetime"),
    ("a + b", "operator + cannot be applied to boolean"),
    ("a * s", "operator * cannot be applied to string"),
    ("-s", "operator - cannot be applied to string"),
    ("-b", "operator - cannot be applied to boolean"),
    # comparisons
    ('i == "1"', "cannot compare integer with string using =="),
    ("s != b", "cannot compare string with boolean using !="),
    ('xs == ["a"]', "cannot compare list<integer> with list<string>"),
    ("d == t", "cannot compare date with datetime"),
    ('i < "2"', "operator < cannot compare integer with string"),
    ("b < b", "operator < cannot compare boolean with boolean"),
    ("xs < xs", "operator < cannot compare list<integer> with list<integer>"),
    ("d < t", "operator < cannot compare date with datetime"),
    ("a > xs", "operator > cannot compare any with list<integer>"),
    ("o >= o", "operator >= cannot compare"),
    ('"x" in xs', "cannot look for string in list<integer>"),
    ("1 in o", "the keys of an object are strings; cannot look for integer"),
    ('"a" in s', "operator 'in' needs a list or an object on its right, not string"),
    ("1 in i", "needs a list or an object on its right, not integer"),
    # logic
    ("i && b", "operator && needs boolean operands, not integer"),
    ("b || s", "operator || needs boolean operands, not string"),
    ("xs && b", "needs boolean operands, not list<integer>"),
    ("!i", "operator ! needs a boolean operand, not integer"),
    ("!null", "needs a boolean operand, not null"),
    ("i ? 1 : 2", "the condition of '?:' must be boolean, not integer"),
    ("s ? 1 : 2", "must be boolean, not string"),
    # indexing
    ('xs["a"]', "a list index must be an integer, not string"),
    ("xs[1.5]", "a list index must be an integer, not number"),
    ("o[1]", "an object key must be a string, not integer"),
    ("s[0]", "cannot index a value of type string"),
    ("i[0]", "cannot index a value of type integer"),
    ("a[b]", "an index must be an integer or a string, not boolean"),
    # literals
    ("{1: 2}", "object keys must be strings, not integer"),
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ("99999999999999999999", "out of range"),
    ("18446744073709551616u", "out of range"),
    # functions
    ("size(i)", "size() cannot be applied to integer"),
    ("size(null)", "size() cannot be applied to null"),
    ("size(s, s)", "size() takes 1 argument, not 2"),
    ("size()", "size() takes 1 argument, not 0"),
    ("int(b)", "int() cannot be applied to boolean"),
    ("int(xs)", "int() cannot be applied to list<integer>"),
    ("double(t)", "double() cannot be applied to datetime"),
    ("string(xs)", "string() cannot be applied to list<integer>"),
    ("string(o)", "string() cannot be applied to object"),
    ("bool(i)", "bool() cannot be applied to integer"),
    ("timestamp(i)", "timestamp() cannot be applied to integer"),
    ("duration(i)", "duration() cannot be applied to integer"),
    ("dyn()", "dyn() takes 1 argument, not 0"),
    ("has(o)", "has() takes one field selection"),
    ('has(o["f"])', "has() takes one field selection"),
    ("has(o.f, o.g)", "has() takes one field selection"),
    ("i.contains(1)", "contains() cannot be applied to integer"),
    ("s.contains(1)", "argument 1 of contains() must be string, not integer"),
    ("s.contains(null)", "argument 1 of contains() must be string, not null"),
    ("s.startsWith()", "startsWith() takes 1 argument, not 0"),
    ('s.matches("a", "b")', "matches() takes 1 argument, not 2"),
    ("s.getFullYear()", "getFullYear() cannot be applied to string"),
    ('duration("1h").getFullYear()', "getFullYear() cannot be applied to duration"),
    ("t.getHours(1)", "argument 1 of getHours() must be string, not integer"),
    ('t.getHours("a", "b")', "getHours() takes 0 to 1 arguments, not 2"),
    ("b.size()", "size() cannot be applied to boolean"),
    # macros
    ("i.all(v, v)", "all() needs a list or an object, not integer"),
    ("s.map(c, c)", "map() needs a list or an object, not string"),
    ("xs.all(v, v + 1)", "the condition of all() must be boolean, not integer"),
    ("xs.exists(v, v)", "the condition of exists() must be boolean, not integer"),
    ("xs.filter(v, string(v))", "the condition of filter() must be boolean, not string"),
    ("xs.all(1, true)", "the first argument of all() must be a variable name"),
    ("xs.map(v.w, v)", "the first argument of map() must be a variable name"),
    ("xs.map(v)", "map() takes 2 arguments, not 1"),
    ("xs.map(v, v > 1, v)", "map() takes 2 arguments, not 3"),
    ("xs.all(v, w)", "unknown variable 'w'"),
    ("rows.map(r, r.nme)", "object has no field 'nme'"),
]


@pytest.mark.parametrize(("text", "complaint"), REFUSED)
def test_check_refuses_and_names_the_problem(text: str, complaint: str) -> None:
    error = error_of(lambda: check(text, SCOPE))
    assert complaint in error.message
    assert "\n" not in error.message


def test_errors_carry_the_column_of_the_culprit() -> None:
    assert error_of(lambda: check("i + x", SCOPE)).column == 5
    assert error_of(lambda: check("1 + 2 +\n foo(1)", SCOPE)).column == 2
    assert error_of(lambda: check("size(xs) + s.upper()", SCOPE)).column == 14


def test_an_empty_scope_says_so() -> None:
    assert "in scope: nothing" in error_of(lambda: check("x", {})).message


# --- Refusing attribute access and code ----------------------------------------------------

INPUTS_SCOPE = {"inputs": obj(name=STR, count=INT), "x": OBJECT, "y": ANY}

REFUSED_ATTACKS = [
    ("inputs.__class__", "object has no field '__class__'"),
    ("inputs.__class__.__mro__", "object has no field '__class__'"),
    ("x.__dict__", "reserved"),
    ("y.__globals__", "reserved"),
    ("has(x.__class__)", "reserved"),
    ("inputs.name.__len__", "cannot select field '__len__' of a value of type string"),
    ('__import__("os")', "unknown function '__import__'"),
    ('__import__("os").system("x")', "unknown function '__import__'"),
    ('eval("1")', "unknown function 'eval'"),
    ('exec("import os")', "unknown function 'exec'"),
    ('getattr(inputs, "name")', "unknown function 'getattr'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("globals()", "unknown function 'globals'"),
    ("os", "unknown variable 'os'"),
    ("__builtins__", "unknown variable '__builtins__'"),
    ("google.protobuf.Int32Value", "unknown variable 'google'"),
    ("int", "unknown variable 'int'"),
    ('inputs.name.format("x")', "unknown function 'format'"),
    ("inputs.name.join(inputs)", "unknown function 'join'"),
]


@pytest.mark.parametrize(("text", "complaint"), REFUSED_ATTACKS)
def test_attribute_access_and_code_are_refused_at_check_time(text: str, complaint: str) -> None:
    assert complaint in error_of(lambda: check(text, INPUTS_SCOPE)).message
    values = {"inputs": {"name": "n", "count": 1}, "x": {}, "y": {}}
    assert isinstance(error_of(lambda: evaluate(text, values)), ExpressionError)


class SpyMapping(Mapping[str, object]):
    """A mapping that records any read of its Python attributes."""

    touched: list[str]

    def __init__(self, data: dict[str, object]) -> None:
        self._data = data
        self.touched = []

    def __getitem__(self, key: str) -> object:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    @property
    def secret(self) -> str:
        self.touched.append("secret")
        return "leaked"


def test_evaluation_reads_items_never_attributes() -> None:
    spy = SpyMapping({"name": "n"})
    assert evaluate("m.name", {"m": spy}) == "n"
    error = error_of(lambda: evaluate("m.secret", {"m": spy}))
    assert error.message == "no such field 'secret'"
    assert evaluate('has(m.secret) || "secret" in m', {"m": spy}) is False
    assert spy.touched == []


class Hostile:
    """Not JSON-like: refused before evaluation; any attribute read would fail the test."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"attribute {name} was read")


@pytest.mark.parametrize(
    "value",
    [Hostile(), [Hostile()], {"k": Hostile()}, {1: "a"}, {1, 2}, b"bytes", 1j, print],
    ids=["object", "in-list", "in-dict", "int-key", "set", "bytes", "complex", "function"],
)
def test_only_json_like_values_go_in(value: object) -> None:
    error = error_of(lambda: evaluate("x", {"x": value}))
    assert "JSON-like" in error.message or "not a string" in error.message


# --- Evaluation ----------------------------------------------------------------------------

EVALUATED: list[tuple[str, object]] = [
    ("1 + 2 * 3", 7),
    ("i + 1", 4),
    ("i + 1.5", 4.5),
    ("n * i", 7.5),
    ("7 / 2", 3),
    ("-7 / 2", -3),
    ("7.0 / 2", 3.5),
    ("-7 % 3", -1),
    ("7.5 % 2", 1.5),
    ("1.0 / 0.0", float("inf")),
    ("-i", -3),
    ('"a" + "b"', "ab"),
    ("xs + [4]", [1, 2, 3, 4]),
    ("i == 3.0", True),
    ("i < 3.5", True),
    ("[1, 2] == [1.0, 2.0]", True),
    ('a == "x"', False),
    ("a == [1, 'x']", True),
    ('a == {"k": 1}', False),
    ("m.n == null", True),
    ("null == null", True),
    ('{"a": 1} == {"a": 1}', True),
    ("2 in xs", True),
    ("2.0 in xs", True),
    ('"f" in m', True),
    ('"zz" in m', False),
    ("1 in a", True),
    ("b && i > 2", True),
    ("!b || false", False),
    ("false && (1 / 0 == 1)", False),
    ("true || (1 / 0 == 1)", True),
    ('b ? "yes" : "no"', "yes"),
    ("b ? 1 : 2.5", 1),
    ("o.f", "x"),
    ('o["h"]["f"]', 1),
    ("o.h.f + 1", 2),
    ("rows[1].size", 20),
    ("m.n", None),
    ("null", None),
    ('b"caf\\xc3\\xa9"', "café"),
    ("3u + 1", 4),
    ("[1, 'a', null, true, 2.5]", [1, "a", None, True, 2.5]),
    ('{"a": [1, {"b": null}]}', {"a": [1, {"b": None}]}),
    ("size(s)", 3),
    ("size(xs)", 3),
    ("size(o)", 4),
    ("s.size()", 3),
    ("int(n)", 2),
    ('int("-12")', -12),
    ("int(t)", 1704164645),
    ("uint(i)", 3),
    ("double(i)", 3.0),
    ('double("1.5e3")', 1500.0),
    ("string(i)", "3"),
    ("string(n)", "2.5"),
    ("string(b)", "true"),
    ("string(t)", "2024-01-02T03:04:05Z"),
    ('string(duration("90m"))', "5400s"),
    ('bool("false")', False),
    ('s.contains("b")', True),
    ('s.startsWith("ab")', True),
    ('s.endsWith("x")', False),
    ('s.matches("^a.c$")', True),
    ("t.getFullYear()", 2024),
    ("t.getMonth()", 0),
    ("t.getDayOfMonth()", 1),
    ("t.getHours()", 3),
    ('duration("90m").getMinutes()', 90),
    ("dyn(i) + 1", 4),
    ("has(o.f)", True),
    ("has(m.zz)", False),
    ("has(m.f) ? m.f : 'none'", "q"),
    ("xs.all(v, v > 0)", True),
    ("xs.exists(v, v > 2)", True),
    ("xs.exists_one(v, v > 1)", False),
    ("xs.map(v, v * 2)", [2, 4, 6]),
    ("xs.filter(v, v % 2 == 1)", [1, 3]),
    ("rows.filter(r, r.size > 1).map(r, r.name)", ["b"]),
    ("o.map(k, k)", ["f", "g", "h", "when"]),
    ("ss.map(x, ss.map(y, x + y))", [["abab", "abcd"], ["cdab", "cdcd"]]),
    ("[].map(v, v)", []),
    ("xs.exists(v, v / 0 == 1) || true", True),
]


@pytest.mark.parametrize(("text", "expected"), EVALUATED)
def test_evaluate(text: str, expected: object) -> None:
    result = evaluate(text, VALUES, scope=SCOPE)
    assert result == expected
    assert type(result) is type(expected)


def test_dates_and_datetimes_come_back_as_python_values() -> None:
    assert evaluate("t", VALUES) == VALUES["t"]
    assert evaluate('t + duration("1h")', VALUES) == datetime.datetime(
        2024, 1, 2, 4, 4, 5, tzinfo=UTC
    )
    # A date is a CEL timestamp at UTC midnight; its own type brings it back as a date.
    assert evaluate("d", VALUES) == datetime.date(2024, 1, 2)
    assert evaluate("b ? d : d", VALUES) == datetime.date(2024, 1, 2)
    assert evaluate('d + duration("36h")', VALUES) == datetime.datetime(2024, 1, 3, 12, tzinfo=UTC)
    assert evaluate("d - d", VALUES) == datetime.timedelta(0)
    assert evaluate('t - timestamp("2024-01-01T00:00:00Z")', VALUES) == datetime.timedelta(
        days=1, hours=3, minutes=4, seconds=5
    )
    # Inside an object the value's own (open) type does not say date: the declared scope does.
    assert evaluate("o.when", VALUES) == datetime.datetime(2024, 3, 4, tzinfo=UTC)
    assert evaluate("o.when", VALUES, scope=SCOPE) == datetime.date(2024, 3, 4)
    assert evaluate("[o.when]", VALUES, scope=SCOPE) == [datetime.date(2024, 3, 4)]


def test_timestamps_in_other_zones_come_back_in_utc() -> None:
    result = evaluate('timestamp("2024-01-01T10:00:00+02:00")', {})
    assert result == datetime.datetime(2024, 1, 1, 8, tzinfo=UTC)
    assert isinstance(result, datetime.datetime) and result.tzinfo is UTC
    naive = evaluate("x", {"x": datetime.datetime(2024, 5, 6, 7, 8)})
    assert naive == datetime.datetime(2024, 5, 6, 7, 8, tzinfo=UTC)


def test_results_are_plain_python_values() -> None:
    result = evaluate('{"a": [1, 2.5, "s", true, null, b"x"]}', {})
    assert result == {"a": [1, 2.5, "s", True, None, "x"]}
    assert isinstance(result, dict)
    items = result["a"]
    assert [type(item) for item in items] == [int, float, str, bool, type(None), str]
    assert type(evaluate("s", VALUES)) is str
    assert type(evaluate("xs", VALUES)) is list


def test_the_declared_scope_is_checked() -> None:
    error = error_of(lambda: evaluate("o.nope", VALUES, scope=SCOPE))
    assert "object has no field 'nope'" in error.message
    # Variables without a value are unknown, whatever the scope says.
    assert (
        "unknown variable 'zz'" in error_of(lambda: evaluate("zz", {}, scope={"zz": INT})).message
    )


EVALUATION_ERRORS = [
    ("i / 0", "division by zero"),
    ("i % 0", "division by zero"),
    ("n % 0.0", "division by zero"),
    ("m.zz", "no such field 'zz'"),
    ('m["zz"]', "no such key 'zz'"),
    ("xs[5]", "list index 5 is out of range (size 3)"),
    ("xs[-1]", "list index -1 is out of range (size 3)"),
    ("9223372036854775807 + 1", "value out of range"),
    ("-9223372036854775807 - 2", "value out of range"),
    ("int(1e30)", "value out of range"),
    ('int("abc")', "cannot convert 'abc' to an integer"),
    ('int("1_000")', "cannot convert '1_000' to an integer"),
    ('double("x")', "cannot convert 'x' to a number"),
    ('bool("yes")', "cannot convert 'yes' to a boolean"),
    ('timestamp("yesterday")', "cannot convert 'yesterday' to a datetime"),
    ('duration("1x")', "cannot convert '1x' to a duration"),
    ('uint("-1")', "out of range"),
    ('s.matches("(")', "invalid regular expression"),
    ("a + 1", "operator + cannot be applied to list and integer"),
    ("a.x", "does not support field selection"),
    ("a[5]", "list index 5 is out of range"),
    ('a["k"]', "a list index must be an integer, not string"),
    ("xs.map(v, v / 0)", "division by zero"),
    ("m.f.g", "does not support field selection"),
    ('dyn("a") * 2', "operator * cannot be applied to string and integer"),
    ('dyn("aa") < 1', "operator < cannot be applied to string and integer"),
    ("size(m.n)", "size() cannot be applied to null"),
    ("string(dyn([1]))", "string() cannot be applied to list"),
    ("{dyn(1): 2}", "object key that is not a string"),
    ("{m.f: 1, m.f: 2}", "Duplicate key"),
    ('{"a": 1 / 0}', "division by zero"),
    ('string(b"\\xff")', "the bytes are not UTF-8 text"),
    ("[1].all(v, a)", "the value is list where the expression's type is boolean"),
]


@pytest.mark.parametrize(("text", "complaint"), EVALUATION_ERRORS)
def test_evaluation_errors_are_clear(text: str, complaint: str) -> None:
    error = error_of(lambda: evaluate(text, VALUES, scope=SCOPE))
    assert complaint in error.message
    assert "celpy" not in error.message and "Type(" not in error.message
    assert "\n" not in error.message


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"x": 2**63}, "out of the 64-bit integer range"),
        ({"x": [[-(2**64)]]}, "value x[0][0] is out of the 64-bit integer range"),
        ({"bad name": 1}, "invalid variable name 'bad name'"),
        ({"x.y": 1}, "invalid variable name 'x.y'"),
        ({"x": {"a": {1: 2}}}, "value x.a has a key that is not a string"),
    ],
)
def test_values_are_checked(values: dict[str, object], complaint: str) -> None:
    assert complaint in error_of(lambda: evaluate("x", values)).message


def test_only_the_values_an_expression_reads_are_converted() -> None:
    """A binding late in a long run reads one node's outputs, not all of them: the others are
    not converted (nor checked), and a whole-value use still sees everything."""
    nodes = {"a": {"x": 1}, "b": {"x": 2**63}}  # b's value is out of CEL's range
    assert evaluate("nodes.a.x + 1", {"nodes": nodes}) == 2
    assert evaluate("has(nodes.a) && !has(nodes.c)", {"nodes": nodes}) is True
    assert (
        "out of the 64-bit integer range"
        in error_of(lambda: evaluate("size(nodes)", {"nodes": nodes})).message
    )
    assert evaluate("size(nodes)", {"nodes": {"a": 1, "b": 2}}) == 2
    assert (
        "out of the 64-bit" in error_of(lambda: evaluate('nodes["a"].x', {"nodes": nodes})).message
    )


def test_values_nested_too_deeply_are_refused() -> None:
    value: object = 1
    for _ in range(150):
        value = [value]
    assert "nested deeper" in error_of(lambda: evaluate("x", {"x": value})).message


def test_a_value_that_does_not_fit_its_declared_type_is_reported() -> None:
    error = error_of(lambda: evaluate("x", {"x": "text"}, scope={"x": INT}))
    assert error.message == "the value is string where the expression's type is integer"


def test_evaluate_accepts_a_parsed_expression_and_reuses_it() -> None:
    parsed = parse("x * 2")
    assert [evaluate(parsed, {"x": value}) for value in (1, 2, 3)] == [2, 4, 6]


# --- Injection attempts stay data ----------------------------------------------------------

INJECTIONS = [
    "__import__('os').system('x')",
    '__import__("os").system("rm -rf /")',
    '"); drop table users; --',
    "'; DROP TABLE jobs; --",
    "{{7*7}}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "x.__class__.__mro__[1].__subclasses__()",
    "1 + 1",
    "inputs.secret",
    "`id`",
    "$(id)",
    "\u0000\ud7ff\ufeff",
    '"',
    "\\",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_attempts_stay_data(text: str) -> None:
    values = {"x": text, "inputs": {"name": text, "list": [text], text: text}}
    assert evaluate("x", values) == text
    assert evaluate("inputs.name", values) == text
    assert evaluate("inputs.list[0]", values) == text
    assert evaluate("inputs[x]", values) == text
    assert evaluate('x + ""', values) == text
    assert evaluate("[x].map(v, v)", values) == [text]
    assert evaluate("size(x)", values) == len(text)
    assert evaluate("x == inputs.name", values) is True
    assert render_template("{{ x }}", values) == text
    assert render_template("<{{ inputs.name }}>", values) == f"<{text}>"


@settings(max_examples=200)
@given(st.text())
def test_any_text_value_comes_back_unchanged(text: str) -> None:
    assert evaluate("x", {"x": text}) == text
    assert evaluate('{"k": x}.k', {"x": text}) == text
    assert render_template("{{ x }}", {"x": text}) == text


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=15,
)


@settings(max_examples=200)
@given(JSON_VALUES)
def test_json_values_round_trip(value: object) -> None:
    assert evaluate("x", {"x": value}) == value
    assert evaluate("[x][0]", {"x": value}) == value


# --- Templates -----------------------------------------------------------------------------


def test_template_parts_split_text_and_expressions() -> None:
    parts = template_parts("Hello {{ name }}, you have {{n+1}} new {{ 'messages' }}.")
    assert [part if isinstance(part, str) else part.source for part in parts] == [
        "Hello ",
        " name ",
        ", you have ",
        "n+1",
        " new ",
        " 'messages' ",
        ".",
    ]
    assert [isinstance(part, Expression) for part in parts] == [
        False,
        True,
        False,
        True,
        False,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("text", "sources"),
    [
        ("no segments", []),
        ("", []),
        ("{{a}}", ["a"]),
        ("{{a}}{{b}}", ["a", "b"]),
        ('{{ {"k": 1} }}', [' {"k": 1} ']),
        ('{{{"k": {"j": 1}}}}', ['{"k": {"j": 1}}']),
        ('{{ "}}" }}', [' "}}" ']),
        ("{{ '}}' + \"}}\" }}", [" '}}' + \"}}\" "]),
        ('{{ "a\\"}}" }}', [' "a\\"}}" ']),
        ("{{ '''}}''' }}", [" '''}}''' "]),
        ("{{ '{{' }}", [" '{{' "]),
        ("a }} b", []),
    ],
)
def test_segments_end_at_the_first_closing_braces_outside_strings(
    text: str, sources: list[str]
) -> None:
    parts = template_parts(text)
    assert [part.source for part in parts if isinstance(part, Expression)] == sources
    assert (
        "".join(part if isinstance(part, str) else "{{" + part.source + "}}" for part in parts)
        == text
    )


def test_template_errors_locate_the_segment() -> None:
    error = error_of(lambda: template_parts("abc {{ 1 + }} def"))
    assert error.column == 5
    assert "in template segment {{ 1 + }}" in error.message and "syntax error" in error.message
    unclosed = error_of(lambda: template_parts("ok {{ a }} then {{ b "))
    assert unclosed.column == 17 and "not closed" in unclosed.message
    assert "not closed" in error_of(lambda: template_parts('{{ "}} ')).message
    assert "expression is empty" in error_of(lambda: template_parts("{{ }}")).message


def test_template_length_limit() -> None:
    assert "too long" in error_of(lambda: template_parts("x" * 70_000)).message


def test_check_template_checks_every_segment() -> None:
    check_template("Hello {{ s }} and {{ o.f + s }}", SCOPE)
    check_template("no segments at all", SCOPE)
    error = error_of(lambda: check_template("Hi {{ s }}, {{ o.nope }}!", SCOPE))
    assert error.column == 13
    assert "in template segment {{ o.nope }}" in error.message
    assert "object has no field 'nope'" in error.message
    error = error_of(lambda: check_template('{{ "a" }} {{ __import__("os") }}', SCOPE))
    assert "unknown function '__import__'" in error.message


@pytest.mark.parametrize(
    ("template", "rendered"),
    [
        ("plain", "plain"),
        ("{{ s }}", "abc"),
        ("{{ i }}/{{ n }}", "3/2.5"),
        ("{{ b }} {{ !b }}", "true false"),
        ("{{ m.n }}", "null"),
        ("{{ xs }}", "[1, 2, 3]"),
        ("{{ o.h }}", '{"f": 1}'),
        ("{{ ss.map(x, x + '!') }}", '["ab!", "cd!"]'),
        ("{{ d }}", "2024-01-02"),
        ("{{ t }}", "2024-01-02T03:04:05Z"),
        ("{{ o }}", '{"f": "x", "g": ["p"], "h": {"f": 1}, "when": "2024-03-04T00:00:00Z"}'),
        ('{{ duration("90m") }}', "5400s"),
        ('{{ duration("1.5s") }}', "1.5s"),
        ("{{ 1e100 }}", "1e+100"),
        ("{{ '{{' }} literal {{ '}}' }}", "{{ literal }}"),
        ("{{ 'é' }} ü", "é ü"),
        ("a{{s}}b{{s}}c", "aabcbabcc"),
    ],
)
def test_render_template(template: str, rendered: str) -> None:
    assert render_template(template, VALUES) == rendered


def test_render_template_with_the_declared_scope() -> None:
    assert render_template("{{ o.when }}", VALUES, scope=SCOPE) == "2024-03-04"


def test_render_template_reports_evaluation_errors() -> None:
    assert "division by zero" in error_of(lambda: render_template("{{ 1 / 0 }}", {})).message


# --- Properties over arbitrary and generated text ------------------------------------------


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_check_raises_only_expression_error_on_any_text(text: str) -> None:
    try:
        check(text, SCOPE)
    except ExpressionError as error:
        assert error.message and "\n" not in error.message


@settings(max_examples=200)
@given(st.text(alphabet="{}\"'\\ ab.+()[]", max_size=60))
def test_templates_raise_only_expression_error(text: str) -> None:
    try:
        check_template(text, SCOPE)
        render_template(text, VALUES)
    except ExpressionError:
        pass


_LEAVES = st.sampled_from(
    [
        *SCOPE,
        "v",
        "unknown",
        "0",
        "1",
        "-3",
        "2u",
        "1.5",
        "0.0",
        '"a"',
        "'f'",
        'b"x"',
        "true",
        "false",
        "null",
        "[]",
        "{}",
        'duration("1h")',
        'timestamp("2024-01-01T00:00:00Z")',
    ]
)
_FIELDS = ["f", "g", "h", "when", "name", "size", "n", "x", "__class__"]
_BINARY = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in", "&&", "||"]
_FUNCTIONS = ["size", "int", "uint", "double", "string", "bool", "timestamp", "duration", "dyn"]
_METHODS = ["contains", "startsWith", "endsWith", "matches", "size", "getFullYear", "getHours"]
_MACROS = ["all", "exists", "exists_one", "map", "filter"]


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(_BINARY), inner).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(st.sampled_from(["!", "-"]), inner).map(lambda p: p[0] + p[1]),
        st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} ? {p[1]} : {p[2]})"),
        st.tuples(inner, st.sampled_from(_FIELDS)).map(lambda p: f"{p[0]}.{p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]}[{p[1]}]"),
        st.tuples(st.sampled_from(_FUNCTIONS), inner).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(inner, st.sampled_from(_FIELDS)).map(lambda p: f"has({p[0]}.{p[1]})"),
        st.tuples(inner, st.sampled_from(_METHODS), st.lists(inner, max_size=2)).map(
            lambda p: f"{p[0]}.{p[1]}({', '.join(p[2])})"
        ),
        st.tuples(inner, st.sampled_from(_MACROS), inner).map(
            lambda p: f"{p[0]}.{p[1]}(v, {p[2]})"
        ),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(st.sampled_from(['"k"', '"j"', "s", "i"]), inner), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        ),
    )


EXPRESSIONS = st.recursive(_LEAVES, _extend, max_leaves=10)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_checked_types_hold_at_run_time(text: str) -> None:
    """``check`` raises only ExpressionError; when it passes, evaluation raises only
    ExpressionError or returns a value that fits the checked type."""
    try:
        checked = check(text, SCOPE)
    except ExpressionError:
        checked = None
    try:
        result = evaluate(text, VALUES, scope=SCOPE)
    except ExpressionError:
        return
    assert checked is not None, f"{text!r} evaluated although it does not check"
    assert assignable(type_of_value(result), checked), (text, result, str(checked))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.randoms(use_true_random=False))
def test_mangled_expressions_raise_only_expression_error(text: str, random: Random) -> None:
    chars = list(text)
    for _ in range(3):
        if chars:
            index = random.randrange(len(chars))
            chars[index] = random.choice("()[]{}.,?:!-+\"'\\ 0a")
    mangled = "".join(chars)
    attempts: list[Callable[[], object]] = [
        lambda: check(mangled, SCOPE),
        lambda: evaluate(mangled, VALUES),
    ]
    for attempt in attempts:
        with contextlib.suppress(ExpressionError):
            attempt()


@pytest.mark.parametrize(
    "text",
    ["2.0 * x > 1.0", "x + 1.0 >= 2.25", "x - 0.25 == 1.0", "double(2) * x < 3.0", "x * 2 > 2"],
)
def test_arithmetic_on_numbers_gives_numbers_that_compare(text: str) -> None:
    assert evaluate(text, {"x": 1.25}) is True
