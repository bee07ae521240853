"""A run's input values, checked against the job's declared inputs before the run is queued.

:func:`run_inputs` takes the values a client gives (JSON from the API or SOAP, or text from
``baton job run NAME key=value``) and returns the run's inputs: each declared input with a value
of its type (defaults filled in), or an :class:`~baton.errors.InvalidInput` naming the input
and what is wrong (400). Nothing else gets in: an undeclared name is refused.

Values are converted only where nothing is lost: an integer is a number; a date or datetime
may be given as ISO 8601 text; from the command line, text becomes the declared type (``3``,
``true``, a JSON list or object). Values are kept as JSON (dates as ISO text), as the run's
record stores them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from baton.errors import InvalidInput
from baton.jobs.model import Job
from baton.jobs.types import JobType, TypeKind, parse_type

#: The most inputs one run takes, and the largest input value (as JSON).
MAX_INPUTS = 200
MAX_VALUE_BYTES = 1024 * 1024


class _Wrong(ValueError):
    """A value that does not fit; the message says why (the caller adds the name)."""


def run_inputs(job: Job, given: Mapping[str, Any], *, from_text: bool = False) -> dict[str, Any]:
    """The inputs of a run of ``job`` from the values ``given`` (``from_text``: every value is
    command-line text, converted to its declared type).

    Raises:
        InvalidInput: an undeclared input, a required one missing, or a value that does not
            fit its type; ``field`` is ``inputs.NAME``.
    """
    if len(given) > MAX_INPUTS:
        raise InvalidInput("inputs", f"{len(given)} inputs given; at most {MAX_INPUTS}")
    unknown = sorted(set(given) - set(job.inputs))
    if unknown:
        declared = ", ".join(sorted(job.inputs)) or "none"
        raise InvalidInput(
            f"inputs.{unknown[0]}", f"job {job.name!r} has no such input (its inputs: {declared})"
        )
    values: dict[str, Any] = {}
    for name, variable in job.inputs.items():
        kind = parse_type(variable.type)
        if name not in given or given[name] is None:
            if variable.default is not None:
                values[name] = variable.default
            elif variable.required:
                raise InvalidInput(f"inputs.{name}", f"required input of job {job.name!r}")
            else:
                values[name] = None
            continue
        value = given[name]
        try:
            if from_text:
                value = _from_text(value, kind)
            values[name] = fit(value, kind)
        except _Wrong as exc:
            raise InvalidInput(f"inputs.{name}", str(exc)) from None
        if len(json.dumps(values[name])) > MAX_VALUE_BYTES:
            raise InvalidInput(f"inputs.{name}", f"larger than {MAX_VALUE_BYTES} bytes")
    return values


def _from_text(value: Any, kind: JobType) -> Any:
    """Command-line text as a value of ``kind`` (other values are left as they are)."""
    if not isinstance(value, str):
        return value
    if kind.kind in (TypeKind.STRING, TypeKind.DATE, TypeKind.DATETIME, TypeKind.ANY):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise _Wrong(f"{value!r} is not {_a(kind)}") from None


def fit(value: Any, kind: JobType, depth: int = 0) -> Any:
    """``value`` as JSON data of type ``kind``, or :class:`_Wrong`."""
    if depth > 32:
        raise _Wrong("nested too deep")
    if kind.kind is TypeKind.ANY:
        return _json(value)
    if kind.kind is TypeKind.STRING and isinstance(value, str):
        return value
    if kind.kind is TypeKind.BOOLEAN and isinstance(value, bool):
        return value
    if kind.kind is TypeKind.INTEGER and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind.kind is TypeKind.NUMBER and isinstance(value, (int, float)):
        if isinstance(value, bool) or not math.isfinite(value):
            raise _Wrong(f"{value!r} is not a number")
        return value
    if kind.kind is TypeKind.DATE:
        return _date(value)
    if kind.kind is TypeKind.DATETIME:
        return _datetime(value)
    if kind.kind is TypeKind.LIST and isinstance(value, list):
        items = kind.item_type()
        fitted = []
        for index, item in enumerate(value):
            try:
                fitted.append(fit(item, items, depth + 1))
            except _Wrong as exc:
                raise _Wrong(f"item {index}: {exc}") from None
        return fitted
    if kind.kind is TypeKind.OBJECT and isinstance(value, dict):
        if kind.fields is None:
            return _json(value)
        fitted_object: dict[str, Any] = {}
        for field, item in value.items():
            wanted = kind.fields.get(str(field))
            if wanted is None:
                raise _Wrong(f"unknown field {field!r} (fields: {', '.join(kind.fields)})")
            try:
                fitted_object[str(field)] = fit(item, wanted, depth + 1)
            except _Wrong as exc:
                raise _Wrong(f"field {field!r}: {exc}") from None
        return fitted_object
    raise _Wrong(f"{_shown(value)} is not {_a(kind)}")


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        raise _Wrong(f"{value.isoformat()} is a datetime, not a date")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _Wrong(f"{_shown(value)} is not a date (YYYY-MM-DD)")


def _datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _Wrong(f"{_shown(value)} is not a datetime (ISO 8601)")


def _json(value: Any) -> Any:
    """``value`` if it is JSON data (no NaN, string keys), else :class:`_Wrong`."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise _Wrong(f"not JSON data: {exc}") from None


def _a(kind: JobType) -> str:
    text = str(kind)
    return f"an {text}" if text[0] in "aeiou" else f"a {text}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
