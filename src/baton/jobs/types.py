"""The types of job variables, node ports and expressions, and when one fits another.

A job document names its variables' types as text (``"integer"``, ``"list<string>"``,
``"object"``); :func:`parse_type` reads that text into a :class:`JobType`. The validator asks
:func:`assignable` whether a bound value fits an input; the expression checker
(``baton.jobs.expressions``) computes :class:`JobType` values for CEL expressions.

``ANY`` is the escape hatch: a value of unknown type fits everything and everything fits it, so
a job that does not declare its types is never refused for what it did not say.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

__all__ = [
    "DOCUMENT_TYPE_NAMES",
    "JobType",
    "TypeKind",
    "assignable",
    "common_type",
    "parse_type",
    "type_of_value",
]


class TypeKind(StrEnum):
    """The kinds of values a job handles.

    ``NULL`` is the type of the ``null`` literal only, and ``DURATION`` the type of CEL
    ``duration()`` values (``timestamp - timestamp``): neither can be declared in a job document.
    """

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"
    OBJECT = "object"
    NULL = "null"
    ANY = "any"
    DURATION = "duration"


#: The type names a job document may use (besides ``list<...>`` and ``object{...}``).
DOCUMENT_TYPE_NAMES: tuple[str, ...] = (
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "datetime",
    "list",
    "object",
    "any",
)

#: ``list<list<...>>`` nested deeper than this is refused by :func:`parse_type`.
MAX_TYPE_DEPTH = 32


@dataclass(frozen=True)
class JobType:
    """A type: a kind, plus the item type of a list or the known fields of an object.

    Attributes:
        kind: what kind of value.
        items: the type of a list's items; ``None`` when any item is allowed. ``list<any>`` is
            stored as ``items=None``, so the two spellings are equal.
        fields: the known fields of an object and their types (read-only); ``None`` for an open
            object, whose every field is allowed and of type ``any``.
    """

    kind: TypeKind
    items: JobType | None = None
    fields: Mapping[str, JobType] | None = None

    STRING: ClassVar[JobType]
    INTEGER: ClassVar[JobType]
    NUMBER: ClassVar[JobType]
    BOOLEAN: ClassVar[JobType]
    DATE: ClassVar[JobType]
    DATETIME: ClassVar[JobType]
    DURATION: ClassVar[JobType]
    ANY: ClassVar[JobType]
    NULL: ClassVar[JobType]

    def __post_init__(self) -> None:
        if self.items is not None and self.kind is not TypeKind.LIST:
            raise ValueError(f"only a list has an item type, not {self.kind}")
        if self.fields is not None and self.kind is not TypeKind.OBJECT:
            raise ValueError(f"only an object has fields, not {self.kind}")
        if self.items is not None and self.items.kind is TypeKind.ANY:
            object.__setattr__(self, "items", None)
        if self.fields is not None:
            # A private copy behind a read-only view: the type stays immutable and hashable.
            object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __hash__(self) -> int:
        fields = None if self.fields is None else frozenset(self.fields.items())
        return hash((self.kind, self.items, fields))

    def __str__(self) -> str:
        if self.kind is TypeKind.LIST and self.items is not None:
            return f"list<{self.items}>"
        if self.kind is TypeKind.OBJECT and self.fields is not None:
            inner = ", ".join(f"{name}: {field}" for name, field in self.fields.items())
            return f"object{{{inner}}}"
        return self.kind.value

    @classmethod
    def of(cls, kind: TypeKind) -> JobType:
        """The plain type of ``kind`` (a list of anything, an open object)."""
        return cls(kind)

    @classmethod
    def list_of(cls, items: JobType | None) -> JobType:
        """A list whose items are of type ``items`` (``None``: of any type)."""
        return cls(TypeKind.LIST, items=items)

    @classmethod
    def object_of(cls, fields: Mapping[str, JobType] | None) -> JobType:
        """An object with these known fields (``None``: an open object)."""
        return cls(TypeKind.OBJECT, fields=fields)

    @property
    def is_any(self) -> bool:
        """Whether this is ``any``, the type that fits and accepts everything."""
        return self.kind is TypeKind.ANY

    def item_type(self) -> JobType:
        """The type of this list's items (``any`` when unknown)."""
        return self.items if self.items is not None else JobType.ANY

    def field_type(self, name: str) -> JobType | None:
        """The type of field ``name`` of this object: ``any`` if open, None if unknown."""
        if self.fields is None:
            return JobType.ANY
        return self.fields.get(name)


JobType.STRING = JobType(TypeKind.STRING)
JobType.INTEGER = JobType(TypeKind.INTEGER)
JobType.NUMBER = JobType(TypeKind.NUMBER)
JobType.BOOLEAN = JobType(TypeKind.BOOLEAN)
JobType.DATE = JobType(TypeKind.DATE)
JobType.DATETIME = JobType(TypeKind.DATETIME)
JobType.DURATION = JobType(TypeKind.DURATION)
JobType.ANY = JobType(TypeKind.ANY)
JobType.NULL = JobType(TypeKind.NULL)


def assignable(source: JobType, target: JobType) -> bool:
    """Whether a value of type ``source`` may be bound to an input of type ``target``.

    ``any`` on either side fits. An integer fits a number, not the reverse; ``null`` fits only
    ``any`` (and ``null``); dates and datetimes fit only themselves. A list fits a list when its
    items fit (a list of unknown items fits any list). An object fits an object when every field
    the target names is present in the source and fits (an open source object always fits).
    """
    if source.is_any or target.is_any:
        return True
    if source.kind is TypeKind.INTEGER and target.kind is TypeKind.NUMBER:
        return True
    if source.kind is not target.kind:
        return False
    if source.kind is TypeKind.LIST:
        if source.items is None or target.items is None:
            return True
        return assignable(source.items, target.items)
    if source.kind is TypeKind.OBJECT:
        if source.fields is None or target.fields is None:
            return True
        for name, wanted in target.fields.items():
            present = source.fields.get(name)
            if present is None or not assignable(present, wanted):
                return False
    return True


def common_type(first: JobType, second: JobType) -> JobType:
    """The narrowest type both values fit: ``integer`` and ``number`` give ``number``, two lists
    a list of their items' common type, two objects with the same field names an object of
    their fields' common types (other objects an open object); anything else that differs
    gives ``any``."""
    if first == second:
        return first
    kinds = {first.kind, second.kind}
    if kinds == {TypeKind.INTEGER, TypeKind.NUMBER}:
        return JobType.NUMBER
    if first.kind is not second.kind:
        return JobType.ANY
    if first.kind is TypeKind.LIST:
        if first.items is None or second.items is None:
            return JobType.list_of(None)
        return JobType.list_of(common_type(first.items, second.items))
    if first.kind is TypeKind.OBJECT:
        if (
            first.fields is None
            or second.fields is None
            or first.fields.keys() != second.fields.keys()
        ):
            return JobType.object_of(None)
        return JobType.object_of(
            {name: common_type(kind, second.fields[name]) for name, kind in first.fields.items()}
        )
    return JobType.ANY  # pragma: no cover - equal scalar kinds are equal types


def _common_of(types: Iterable[JobType]) -> JobType | None:
    result: JobType | None = None
    for each in types:
        result = each if result is None else common_type(result, each)
    return result


def type_of_value(value: object) -> JobType:
    """The type of a JSON-like Python value.

    ``bool`` is boolean (not integer); ``datetime`` is datetime and ``date`` is date; a
    ``timedelta`` is a duration; a list is a list of its items' common type (``any`` when they
    differ, unknown when empty); a dict (string keys) is an object with its fields' types.

    Raises:
        TypeError: for any other value (a set, bytes, an arbitrary object, a non-string key).
    """
    if value is None:
        return JobType.NULL
    if isinstance(value, bool):
        return JobType.BOOLEAN
    if isinstance(value, int):
        return JobType.INTEGER
    if isinstance(value, float):
        return JobType.NUMBER
    if isinstance(value, str):
        return JobType.STRING
    if isinstance(value, datetime.datetime):
        return JobType.DATETIME
    if isinstance(value, datetime.date):
        return JobType.DATE
    if isinstance(value, datetime.timedelta):
        return JobType.DURATION
    if isinstance(value, list | tuple):
        items = _common_of(type_of_value(item) for item in value)
        if items is not None and items.kind is TypeKind.NULL:
            items = None
        return JobType.list_of(items)
    if isinstance(value, Mapping):
        fields: dict[str, JobType] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {type(key).__name__}")
            fields[key] = type_of_value(item)
        return JobType.object_of(fields)
    raise TypeError(f"not a JSON-like value: {type(value).__name__}")


_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\S))")
_SCALARS: dict[str, JobType] = {
    "string": JobType.STRING,
    "integer": JobType.INTEGER,
    "number": JobType.NUMBER,
    "boolean": JobType.BOOLEAN,
    "date": JobType.DATE,
    "datetime": JobType.DATETIME,
    "any": JobType.ANY,
}


def parse_type(text: str) -> JobType:
    """Read a type as written in a job document.

    The names are those of :data:`DOCUMENT_TYPE_NAMES`; ``list<T>`` is a list of ``T`` (nested
    as deep as :data:`MAX_TYPE_DEPTH`); ``object{a: T, b: U}`` an object with known fields (the
    form ``str()`` of a :class:`JobType` writes). Whitespace around the parts is ignored.

    Raises:
        ValueError: naming the bad type and the names allowed.
    """
    parser = _TypeParser(text)
    result = parser.parse_type(0)
    parser.expect_end()
    return result


class _TypeParser:
    """A recursive-descent reader of type text; depth is bounded by :data:`MAX_TYPE_DEPTH`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [
            match.group(1) or match.group(2)
            for match in _TOKEN.finditer(text)
            if match.group(1) or match.group(2)
        ]
        self.position = 0

    def fail(self, detail: str) -> ValueError:
        return ValueError(f"invalid type {self.text!r}: {detail}")

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            wanted = f"{expected!r}" if expected else "a type name"
            raise self.fail(f"expected {wanted} at the end")
        if expected is not None and token != expected:
            raise self.fail(f"expected {expected!r}, found {token!r}")
        self.position += 1
        return token

    def expect_end(self) -> None:
        token = self.peek()
        if token is not None:
            raise self.fail(f"unexpected {token!r} after the type")

    def parse_type(self, depth: int) -> JobType:
        if depth > MAX_TYPE_DEPTH:
            raise self.fail(f"nested deeper than {MAX_TYPE_DEPTH} levels")
        name = self.take()
        if name in _SCALARS:
            return _SCALARS[name]
        if name == "list":
            if self.peek() != "<":
                return JobType.list_of(None)
            self.take("<")
            items = self.parse_type(depth + 1)
            self.take(">")
            return JobType.list_of(items)
        if name == "object":
            if self.peek() != "{":
                return JobType.object_of(None)
            return self.parse_fields(depth)
        allowed = ", ".join(DOCUMENT_TYPE_NAMES)
        if self.text.strip() == name:
            raise ValueError(f"unknown type {name!r}; expected one of: {allowed}")
        raise self.fail(f"unknown type {name!r}; expected one of: {allowed}")

    def parse_fields(self, depth: int) -> JobType:
        self.take("{")
        fields: dict[str, JobType] = {}
        while self.peek() != "}":
            if fields:
                self.take(",")
            name = self.take()
            if not name.isidentifier():
                raise self.fail(f"expected a field name, found {name!r}")
            if name in fields:
                raise self.fail(f"duplicate field {name!r}")
            self.take(":")
            fields[name] = self.parse_type(depth + 1)
        self.take("}")
        return JobType.object_of(fields)
