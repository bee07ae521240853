"""The run time of CEL expressions: celpy's interpreter with stricter operators and functions,
and the conversion of values in and out.

- :func:`prepare` turns the values an expression is evaluated with into a CEL activation,
  refusing what is not JSON-like (or nested deeper than :data:`MAX_VALUE_DEPTH`, or an integer
  beyond 64 bits), and gives the scope to check the expression against.
- :func:`run` evaluates a checked parse tree with celpy's interpreter. celpy's operators and
  conversion functions are replaced by stricter versions: ``&&`` and ``||`` take booleans only,
  an integer and a number mix in arithmetic and comparisons (the integer is widened), ``==``
  between values of different types is false, ``%`` works on numbers, and an operation on
  values it does not apply to fails with a message naming their kinds. The result comes back
  as plain Python values; every failure, celpy's included, becomes an :class:`ExpressionError`
  with a one-line message.

Use it through :mod:`baton.jobs.expressions` (:func:`~baton.jobs.expressions.evaluate`,
:func:`~baton.jobs.expressions.render_template`).
"""

from __future__ import annotations

import datetime
import math
import operator
import re
import sys
from collections.abc import Callable, Mapping
from functools import cache, wraps
from typing import Any, NoReturn, TypeAlias, cast

import celpy
from celpy import celtypes
from celpy.adapter import JSON, json_to_cel
from celpy.evaluation import CELEvalError, CELFunction, Context

from baton.jobs.cel_checker import OPERATORS, ExpressionError, Tree
from baton.jobs.types import JobType, TypeKind, assignable, type_of_value

__all__ = ["MAX_VALUE_DEPTH", "Activation", "prepare", "run"]

#: Values given to :func:`prepare` (and so to ``evaluate``) may nest lists and objects this deep.
MAX_VALUE_DEPTH = 100


# --- Operators and functions ---------------------------------------------------------------

_CelValue: TypeAlias = "celtypes.Value | CELEvalError"


class _Refused(TypeError):
    """An operation on values it does not apply to; the message says which."""


def _kind(value: object) -> str:
    names: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (celtypes.BoolType, "boolean"),
        ((celtypes.IntType, celtypes.UintType), "integer"),
        (celtypes.DoubleType, "number"),
        (str, "string"),
        (bytes, "bytes"),
        (list, "list"),
        (dict, "object"),
        (celtypes.TimestampType, "datetime"),
        (celtypes.DurationType, "duration"),
    )
    if value is None:
        return "null"
    for kinds, name in names:
        if isinstance(value, kinds):
            return name
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, celtypes.IntType | celtypes.UintType | celtypes.DoubleType)


def _numbers(first: object, second: object) -> tuple[Any, Any]:
    """Both as one CEL number type: doubles if either is a double, else 64-bit integers."""
    if isinstance(first, celtypes.DoubleType) or isinstance(second, celtypes.DoubleType):
        return celtypes.DoubleType(cast(float, first)), celtypes.DoubleType(cast(float, second))
    return celtypes.IntType(cast(int, first)), celtypes.IntType(cast(int, second))


def _number(value: object) -> celtypes.Value:
    """An arithmetic result as a CEL number: celpy's doubles add, subtract and multiply into
    plain floats, which its comparisons then refuse (``2.0 * x > 1.0``)."""
    if isinstance(value, float) and not isinstance(value, celtypes.DoubleType):
        return celtypes.DoubleType(value)
    return cast(celtypes.Value, value)


def _errors_pass(
    function: Callable[..., celtypes.Value],
) -> Callable[..., _CelValue]:
    """CEL errors are values: an operand that is an error is the result."""

    @wraps(function)
    def passing(*args: object) -> _CelValue:
        for arg in args:
            if isinstance(arg, CELEvalError):
                return arg
        return function(*args)

    return passing


def _refuse(symbol: str, *values: object) -> NoReturn:
    kinds = " and ".join(_kind(value) for value in values)
    raise _Refused(f"operator {symbol} cannot be applied to {kinds}")


@_errors_pass
def _add(first: object, second: object) -> celtypes.Value:
    if _is_number(first) and _is_number(second):
        left, right = _numbers(first, second)
        return _number(left + right)
    if isinstance(first, str) and isinstance(second, str):
        return celtypes.StringType(first + second)
    if isinstance(first, list) and isinstance(second, list):
        return celtypes.ListType([*first, *second])
    times = celtypes.TimestampType | celtypes.DurationType
    if (
        isinstance(first, times)
        and isinstance(second, times)
        and not (isinstance(first, datetime.datetime) and isinstance(second, datetime.datetime))
    ):
        return cast(celtypes.Value, first + second)
    _refuse("+", first, second)


@_errors_pass
def _subtract(first: object, second: object) -> celtypes.Value:
    if _is_number(first) and _is_number(second):
        left, right = _numbers(first, second)
        return _number(left - right)
    if isinstance(first, celtypes.TimestampType | celtypes.DurationType) and isinstance(
        second, celtypes.DurationType
    ):
        return cast(celtypes.Value, first - second)
    if isinstance(first, celtypes.TimestampType) and isinstance(second, celtypes.TimestampType):
        return cast(celtypes.Value, first - second)
    _refuse("-", first, second)


def _numeric(symbol: str, apply: Callable[[object, object], object]) -> Callable[..., _CelValue]:
    @_errors_pass
    def numeric(first: object, second: object) -> celtypes.Value:
        if not (_is_number(first) and _is_number(second)):
            _refuse(symbol, first, second)
        return _number(apply(*_numbers(first, second)))

    return numeric


def _modulo(first: object, second: object) -> object:
    if isinstance(first, celtypes.DoubleType):
        if float(cast(float, second)) == 0.0:
            raise ZeroDivisionError("modulo by zero")
        return celtypes.DoubleType(math.fmod(first, cast(float, second)))
    return operator.mod(first, second)


def _logical(symbol: str, absorbing: bool) -> Callable[..., _CelValue]:
    """``&&`` (``false`` absorbs) or ``||`` (``true`` absorbs), on booleans only: celpy's own
    pass a non-boolean operand through (``1 && true`` is 1)."""

    def logical(first: object, second: object) -> _CelValue:
        for side in (first, second):
            if isinstance(side, celtypes.BoolType) and bool(side) is absorbing:
                return celtypes.BoolType(absorbing)  # even when the other side is an error
        for side in (first, second):
            if isinstance(side, CELEvalError):
                return side
            if not isinstance(side, celtypes.BoolType):
                raise _Refused(f"operator {symbol} needs boolean operands, not {_kind(side)}")
        return celtypes.BoolType(not absorbing)

    return logical


@_errors_pass
def _negate(value: object) -> celtypes.Value:
    if _is_number(value) or isinstance(value, celtypes.DurationType):
        return cast(celtypes.Value, -cast(Any, value))
    _refuse("-", value)


def _equal(first: object, second: object) -> bool:
    """CEL equality: numbers compare by value across int and double; values of different
    types are unequal (not an error); lists and objects compare item by item."""
    if first is None or second is None:
        return first is None and second is None
    if isinstance(first, celtypes.BoolType) or isinstance(second, celtypes.BoolType):
        both = isinstance(first, celtypes.BoolType) and isinstance(second, celtypes.BoolType)
        return both and bool(first) == bool(second)
    if _is_number(first) and _is_number(second):
        left, right = _numbers(first, second)
        return bool(left == right)
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(map(_equal, first, second))
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(_equal(first[k], second[k]) for k in first)
    if _kind(first) != _kind(second):
        return False
    return bool(first == second)


_ORDERED_VALUES = frozenset({"string", "bytes", "boolean", "datetime", "duration"})


def _ordering(symbol: str, compare: Callable[[Any, Any], bool]) -> Callable[..., _CelValue]:
    @_errors_pass
    def ordering(first: object, second: object) -> celtypes.Value:
        if _is_number(first) and _is_number(second):
            return celtypes.BoolType(compare(*_numbers(first, second)))
        if _kind(first) == _kind(second) and _kind(first) in _ORDERED_VALUES:
            return celtypes.BoolType(compare(first, second))
        _refuse(symbol, first, second)

    return ordering


@_errors_pass
def _contained(item: object, container: object) -> celtypes.Value:
    if isinstance(container, list):
        return celtypes.BoolType(any(_equal(item, each) for each in container))
    if isinstance(container, dict):
        return celtypes.BoolType(any(_equal(item, key) for key in container))
    raise _Refused(f"operator 'in' needs a list or an object on its right, not {_kind(container)}")


@_errors_pass
def _index(container: object, key: object) -> celtypes.Value:
    if isinstance(container, list):
        if not isinstance(key, celtypes.IntType | celtypes.UintType):
            raise _Refused(f"a list index must be an integer, not {_kind(key)}")
        if not 0 <= int(key) < len(container):
            raise IndexError(f"list index {int(key)} is out of range (size {len(container)})")
        return cast(celtypes.Value, container[int(key)])
    if isinstance(container, dict):
        if not isinstance(key, str):
            raise _Refused(f"an object key must be a string, not {_kind(key)}")
        return cast(celtypes.Value, container[key])
    raise _Refused(f"cannot index a {_kind(container)} value")


def _convert(name: str, kinds: tuple[str, ...]) -> Callable[[object], None]:
    def refuse_unless(value: object) -> None:
        if _kind(value) not in kinds:
            raise _Refused(f"{name}() cannot be applied to {_kind(value)}")

    return refuse_unless


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DOUBLE_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLEAN_TEXT = {
    **dict.fromkeys(("1", "t", "true", "TRUE", "True"), True),
    **dict.fromkeys(("0", "f", "false", "FALSE", "False"), False),
}


@_errors_pass
def _size(value: object) -> celtypes.Value:
    if isinstance(value, str | bytes | list | dict):
        return celtypes.IntType(len(value))
    raise _Refused(f"size() cannot be applied to {_kind(value)}")


@_errors_pass
def _contains(text: object, part: object) -> celtypes.Value:
    if isinstance(text, str) and isinstance(part, str):
        return celtypes.BoolType(part in text)
    raise _Refused(f"contains() cannot be applied to {_kind(text)} and {_kind(part)}")


@_errors_pass
def _to_string(value: object) -> celtypes.Value:
    _convert("string", ("string", "integer", "number", "boolean", "bytes", "datetime", "duration"))(
        value
    )
    if isinstance(value, celtypes.BoolType):
        return celtypes.StringType("true" if value else "false")
    if isinstance(value, bytes):
        try:
            return celtypes.StringType(value.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError("the bytes are not UTF-8 text") from exc
    if isinstance(value, celtypes.DoubleType):
        return celtypes.StringType(repr(float(value)))
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return celtypes.StringType(str(int(value)))
    return celtypes.StringType(cast(str, value))


def _integer_of(name: str, make: Callable[[int], celtypes.Value]) -> Callable[..., _CelValue]:
    @_errors_pass
    def integer(value: object) -> celtypes.Value:
        _convert(name, ("integer", "number", "string", "datetime"))(value)
        if isinstance(value, str):
            if not _INTEGER_TEXT.fullmatch(value):
                raise ValueError(f"cannot convert {str(value)!r} to an integer")
            return make(int(value))
        if isinstance(value, celtypes.TimestampType):
            return make(int(value.timestamp()))
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"cannot convert {float(value)} to an integer")
        return make(int(cast(int, value)))

    return integer


@_errors_pass
def _to_double(value: object) -> celtypes.Value:
    _convert("double", ("integer", "number", "string"))(value)
    if isinstance(value, str) and not _DOUBLE_TEXT.fullmatch(value):
        raise ValueError(f"cannot convert {str(value)!r} to a number")
    return celtypes.DoubleType(float(cast(float, value)))


@_errors_pass
def _to_bool(value: object) -> celtypes.Value:
    _convert("bool", ("boolean", "string"))(value)
    if isinstance(value, str):
        if value not in _BOOLEAN_TEXT:
            raise ValueError(f"cannot convert {str(value)!r} to a boolean")
        return celtypes.BoolType(_BOOLEAN_TEXT[value])
    return cast(celtypes.Value, value)


def _parsed(
    name: str, kind: str, make: Callable[[str], celtypes.Value]
) -> Callable[..., _CelValue]:
    @_errors_pass
    def parsed(value: object) -> celtypes.Value:
        _convert(name, (kind, "string"))(value)
        if not isinstance(value, str):
            return cast(celtypes.Value, value)
        try:
            return make(value)
        except Exception as exc:  # celpy and pendulum raise several kinds for bad text
            raise ValueError(f"cannot convert {str(value)!r} to a {kind}") from exc

    return parsed


#: celpy's operators and functions replaced by stricter versions (see the module docstring).
_RUNTIME_FUNCTIONS: dict[str, Callable[..., _CelValue]] = {
    "_&&_": _logical("&&", absorbing=False),
    "_||_": _logical("||", absorbing=True),
    "_+_": _add,
    "_-_": _subtract,
    "_*_": _numeric("*", operator.mul),
    "_/_": _numeric("/", operator.truediv),
    "_%_": _numeric("%", _modulo),
    "-_": _negate,
    "_==_": _errors_pass(lambda a, b: celtypes.BoolType(_equal(a, b))),
    "_!=_": _errors_pass(lambda a, b: celtypes.BoolType(not _equal(a, b))),
    "_<_": _ordering("<", operator.lt),
    "_<=_": _ordering("<=", operator.le),
    "_>_": _ordering(">", operator.gt),
    "_>=_": _ordering(">=", operator.ge),
    "_in_": _contained,
    "_[_]": _index,
    "size": _size,
    "contains": _contains,
    "string": _to_string,
    "int": _integer_of("int", celtypes.IntType),
    "uint": _integer_of("uint", celtypes.UintType),
    "double": _to_double,
    "bool": _to_bool,
    "timestamp": _parsed("timestamp", "datetime", celtypes.TimestampType),
    "duration": _parsed("duration", "duration", celtypes.DurationType),
}


# --- Values in -----------------------------------------------------------------------------

_INT64 = (-(2**63), 2**63 - 1)
IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")

#: The variables of an evaluation, by name, as CEL values.
Activation: TypeAlias = "dict[str, _CelValue]"


def prepare(
    values: Mapping[str, object], declared: Mapping[str, JobType] | None
) -> tuple[Activation, dict[str, JobType]]:
    """The CEL activation of ``values`` and the scope to check against: the declared type of
    each value, or else its own type with every object open (a value's missing fields are a
    run-time matter, and ``has()`` must be able to ask about them)."""
    activation: Activation = {}
    scope: dict[str, JobType] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
            raise ExpressionError(f"invalid variable name {name!r}")
        plain = _plain_input(value, name, 0)
        if declared is not None and name in declared:
            scope[name] = declared[name]
        else:
            scope[name] = _open_objects(type_of_value(value))
        activation[name] = json_to_cel(cast(JSON, plain))
    return activation, scope


def _plain_input(value: object, path: str, depth: int) -> object:
    """``value`` checked to be JSON-like, with dates as UTC midnights and naive datetimes as
    UTC (CEL has only timestamps)."""
    if depth > MAX_VALUE_DEPTH:
        raise ExpressionError(f"value {path} is nested deeper than {MAX_VALUE_DEPTH} levels")
    if value is None or isinstance(value, bool | str | float | datetime.timedelta):
        return value
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise ExpressionError(f"value {path} is out of the 64-bit integer range")
        return value
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.UTC)
    if isinstance(value, list | tuple):
        return [_plain_input(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        plain: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ExpressionError(f"value {path} has a key that is not a string: {key!r}")
            plain[key] = _plain_input(item, f"{path}.{key}", depth + 1)
        return plain
    raise ExpressionError(
        f"value {path} is a {type(value).__name__}; only JSON-like values, dates and"
        " datetimes can be used"
    )


def _open_objects(kind: JobType) -> JobType:
    if kind.kind is TypeKind.OBJECT:
        return JobType.object_of(None)
    if kind.kind is TypeKind.LIST and kind.items is not None:
        return JobType.list_of(_open_objects(kind.items))
    return kind


# --- Running, and values out ---------------------------------------------------------------


@cache
def _environment() -> celpy.Environment:
    limit = sys.getrecursionlimit()
    try:
        return celpy.Environment()
    finally:
        # celpy raises the whole process's limit to 2,500; what parse() accepts needs far less.
        sys.setrecursionlimit(limit)


def run(tree: Tree, activation: Activation, result_type: JobType) -> object:
    """Evaluate the parse tree ``tree``, checked to be of type ``result_type``, with the
    variables in ``activation`` (from :func:`prepare`); the result as plain Python values.

    Raises:
        ExpressionError: evaluation failed, or the value does not fit ``result_type``.
    """
    runner = celpy.InterpretedRunner(
        _environment(), tree, cast(dict[str, CELFunction], _RUNTIME_FUNCTIONS)
    )
    try:
        result = runner.evaluate(cast(Context, activation))
    except CELEvalError as exc:
        raise ExpressionError(_describe(exc)) from exc
    except RecursionError as exc:
        raise ExpressionError("expression is nested too deeply to evaluate") from exc
    except Exception as exc:  # a foreign library's internal failure: report, never leak
        raise ExpressionError(f"evaluation failed ({type(exc).__name__})") from exc
    plain = _plain_output(result, result_type)
    # Only ``any`` can hide a mismatch (a macro's predicate of type any that is not boolean, a
    # value that does not fit its declared type): never return a value its type denies.
    if not assignable(type_of_value(plain), result_type):
        actual = type_of_value(plain)
        raise ExpressionError(f"the value is {actual} where the expression's type is {result_type}")
    return plain


_CLASS_NAMES = {
    "BoolType": "boolean",
    "IntType": "integer",
    "UintType": "integer",
    "DoubleType": "number",
    "StringType": "string",
    "BytesType": "bytes",
    "ListType": "list",
    "MapType": "object",
    "TimestampType": "datetime",
    "DurationType": "duration",
    "NoneType": "null",
}


def _sanitise(text: str) -> str:
    text = re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", lambda m: _CLASS_NAMES.get(m[1], m[1]), text)
    text = re.sub(r"Token\('RULE', '(\w+)'\)", lambda m: repr(OPERATORS.get(m[1], m[1])), text)
    for _ in range(20):  # innermost first: ListType([IntType(1)]) -> [1]
        text, count = re.subn(r"\b\w+Type\(([^()]*)\)", r"\1", text)
        if not count:
            break
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def _describe(error: CELEvalError) -> str:
    args = error.args
    message = str(args[0]) if args else "evaluation failed"
    kind = args[1] if len(args) > 1 else None
    details = args[2] if len(args) > 2 else None
    first: object = details[0] if isinstance(details, tuple) and details else None
    if isinstance(first, bytes):  # re2 reports its errors as bytes
        first = first.decode("utf-8", errors="replace")
    if isinstance(kind, type):
        if issubclass(kind, _Refused) and first is not None:
            return str(first)
        if issubclass(kind, ZeroDivisionError):
            return "division by zero"
        if issubclass(kind, KeyError):
            found = re.search(r"'([^']*)'", message)
            if first is not None:
                return f"no such key {str(first)!r}"
            if found:
                return f"no such field {found[1]!r}"
            return "no such key"
        if issubclass(kind, IndexError | ValueError | OverflowError):
            if first is None or str(first) == "overflow":
                return "value out of range"
            return _sanitise(str(first))
    if message == "match error":
        return "invalid regular expression" + (f": {_sanitise(str(first))}" if first else "")
    return _sanitise(message)


def _plain_output(value: object, kind: JobType) -> object:
    """A CEL result as a plain Python value (``kind`` tells a date from a datetime)."""
    if isinstance(value, CELEvalError):  # a map literal keeps its values' errors
        raise ExpressionError(_describe(value))
    if value is None:
        return None
    if isinstance(value, celtypes.BoolType | bool):
        return bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, datetime.datetime):
        utc = value.astimezone(datetime.UTC)
        moment = datetime.datetime(
            utc.year,
            utc.month,
            utc.day,
            utc.hour,
            utc.minute,
            utc.second,
            utc.microsecond,
            tzinfo=datetime.UTC,
        )
        return moment.date() if kind.kind is TypeKind.DATE else moment
    if isinstance(value, datetime.timedelta):
        return datetime.timedelta(value.days, value.seconds, value.microseconds)
    if isinstance(value, list):
        item = kind.item_type() if kind.kind is TypeKind.LIST else JobType.ANY
        return [_plain_output(each, item) for each in value]
    if isinstance(value, dict):
        plain: dict[str, object] = {}
        for key, each in value.items():
            if not isinstance(key, str):
                raise ExpressionError(f"the result has an object key that is not a string: {key}")
            field_type = kind.field_type(str(key)) if kind.kind is TypeKind.OBJECT else None
            plain[str(key)] = _plain_output(each, field_type or JobType.ANY)
        return plain
    raise ExpressionError(f"the result is not a JSON-like value ({type(value).__name__})")
