"""Request fields to ``main()``'s arguments: strings converted to the annotated types.

Rules, for each parameter of the signature (fields are matched to parameters by exact,
case-sensitive name):

- A ``list`` parameter takes every value of its field, in order (``?region=n&region=s``); values
  are not split on commas. Any other parameter takes exactly one value; two or more are an error.
- An empty (or blank) value counts as absent, except for plain strings (a ``string`` or a list of
  strings, without ``choices``), for which ``""`` is a value; so a form's empty number box or
  unselected choice means "use the default".
- An absent field takes the parameter's literal default; a default that is not a literal
  (``date.today()``) is left to ``main()`` itself, by leaving the parameter out of the result;
  a nullable parameter without a default gets ``None``; otherwise the field is required.
- ``integer``: ASCII digits with an optional sign. ``number``: a decimal or exponent notation
  (no ``nan`` or ``inf``). ``boolean``: ``true/false``, ``1/0``, ``yes/no``, ``on/off``, in any
  case. ``date`` and ``datetime``: ISO 8601 (:meth:`datetime.date.fromisoformat`). ``choices``:
  the converted value must be one of them.
- Fields that name no parameter are ignored here; the program still sees them, raw, in
  ``baton.program.params``.

Every failure is an :class:`InvalidFieldValue` naming the field and what it expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime

from baton.appserver.signature import Parameter, ProgramSignature
from baton.appserver.typespec import Choice, TypeSpec, ValueType
from baton.errors import InvalidFieldValue

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}
_PHRASES = {
    ValueType.STRING: "a string",
    ValueType.INTEGER: "an integer",
    ValueType.NUMBER: "a number",
    ValueType.BOOLEAN: "a boolean (true/false, yes/no, on/off, 1/0)",
    ValueType.DATE: "a date (ISO 8601, like 2024-03-31)",
    ValueType.DATETIME: "a date and time (ISO 8601, like 2024-03-31T12:00:00)",
}


def coerce(signature: ProgramSignature, fields: Iterable[tuple[str, str]]) -> dict[str, object]:
    """The keyword arguments for ``main()``, from a request's ``(name, value)`` fields.

    Args:
        signature: the program's signature; without ``main()`` the result is empty.
        fields: the request's fields in order; a name may repeat.

    Returns:
        One entry per parameter, in the signature's order, except parameters left to their
        non-literal default.

    Raises:
        InvalidFieldValue: a value does not convert, is not one of the choices, a single-valued
            parameter got several values, or a required field is missing.
    """
    if not signature.has_main:
        return {}
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    arguments: dict[str, object] = {}
    for parameter in signature.parameters:
        given = values.get(parameter.name, [])
        if _blank_is_absent(parameter.spec):
            given = [value for value in given if value.strip()]
        if given:
            arguments[parameter.name] = _convert(parameter, given)
        elif parameter.default_known:
            default = parameter.default
            is_list = parameter.spec.type is ValueType.LIST
            arguments[parameter.name] = (
                list(default) if isinstance(default, tuple) and is_list else default
            )
        elif parameter.has_default:
            continue
        elif parameter.spec.nullable:
            arguments[parameter.name] = None
        else:
            raise InvalidFieldValue(parameter.name, expected(parameter.spec), "but it is missing")
    return arguments


def expected(spec: TypeSpec) -> str:
    """What ``spec`` accepts, as the error sentences say it (``"an integer"``)."""
    if spec.type is ValueType.LIST:
        item = TypeSpec(spec.items or ValueType.STRING, choices=spec.choices)
        return f"one or more values, each {expected(item)}"
    if spec.choices:
        return "one of " + ", ".join(repr(choice) for choice in spec.choices)
    return _PHRASES.get(spec.type, "a string")


def _blank_is_absent(spec: TypeSpec) -> bool:
    kind = spec.items if spec.type is ValueType.LIST else spec.type
    return kind is not ValueType.STRING or bool(spec.choices)


def _convert(parameter: Parameter, given: list[str]) -> object:
    spec = parameter.spec
    if spec.type is ValueType.LIST:
        item = TypeSpec(spec.items or ValueType.STRING, choices=spec.choices)
        return [_scalar(parameter.name, item, value) for value in given]
    if len(given) > 1:
        raise InvalidFieldValue(parameter.name, expected(spec), f"got {len(given)} values")
    return _scalar(parameter.name, spec, given[0])


def _scalar(field: str, spec: TypeSpec, raw: str) -> object:
    value = _parse(spec.type, raw.strip() if spec.type is not ValueType.STRING else raw)
    if value is None or (spec.choices and value not in spec.choices):
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise InvalidFieldValue(field, expected(spec), f"got {shown!r}")
    return value


def _parse(kind: ValueType, text: str) -> Choice | date | None:
    """``text`` as a ``kind``, or ``None`` when it is not one."""
    try:
        if kind is ValueType.INTEGER:
            return int(text) if _INTEGER.fullmatch(text) else None
        if kind is ValueType.NUMBER:
            number = float(text) if _NUMBER.fullmatch(text) else math.inf
            return number if math.isfinite(number) else None
        if kind is ValueType.BOOLEAN:
            return _BOOLEANS.get(text.lower())
        if kind is ValueType.DATE:
            return date.fromisoformat(text)
        if kind is ValueType.DATETIME:
            return datetime.fromisoformat(text)
    except ValueError:  # out of range, or more digits than int() converts
        return None
    return text
