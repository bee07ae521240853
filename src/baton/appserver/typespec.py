"""Types of program variables, read statically from annotations (never evaluated).

An annotation's syntax tree is mapped to a :class:`TypeSpec`. Names are looked up through the
module's own imports, so ``import datetime as dt`` then ``dt.date`` is a date, and a bare
``datetime`` is the class only when ``from datetime import datetime`` bound it.

=========================================  =========================================
annotation                                 TypeSpec
=========================================  =========================================
``str``                                    ``string``
``int``                                    ``integer``
``float``                                  ``number`` (an integer is accepted too)
``bool``                                   ``boolean``
``datetime.date``                          ``date``
``datetime.datetime``                      ``datetime``
``list[X]``, ``List[X]``, ``Sequence[X]``  ``list`` of ``X`` (a scalar above; bare: strings)
``dict``, ``dict[K, V]``, ``Mapping``      ``object`` (return values only)
``Literal["a", "b"]``                      the values' type, with ``choices``
``X | None``, ``Optional[X]``              ``X`` with ``nullable``
``Annotated[X, ...]``                      ``X``
``None``                                   ``null`` (return values only)
``"X"`` (a string)                         ``X``
=========================================  =========================================
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum

#: A value a ``Literal`` may offer.
Choice = str | int | float | bool


class ValueType(StrEnum):
    """The type of a variable, named as job documents name them."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"
    OBJECT = "object"
    NULL = "null"


SCALARS = frozenset(
    {
        ValueType.STRING,
        ValueType.INTEGER,
        ValueType.NUMBER,
        ValueType.BOOLEAN,
        ValueType.DATE,
        ValueType.DATETIME,
    }
)


@dataclass(frozen=True)
class TypeSpec:
    """What a parameter accepts or ``main()`` returns.

    Attributes:
        type: the value's type.
        items: for a ``list``, its items' type (a scalar, or ``object`` in return values).
        choices: the only values allowed (from ``Literal``); for a list, each item's.
        nullable: ``None`` is allowed too.
        annotation: the annotation as written (empty when there is none).
        note: why the type is not what the annotation says (unsupported annotation, ...).
    """

    type: ValueType
    items: ValueType | None = None
    choices: tuple[Choice, ...] = ()
    nullable: bool = False
    annotation: str = ""
    note: str = ""


class Unsupported(Exception):
    """An annotation this module cannot map; the message says why."""


_SCALAR_NAMES = {
    "builtins.str": ValueType.STRING,
    "builtins.int": ValueType.INTEGER,
    "builtins.float": ValueType.NUMBER,
    "builtins.bool": ValueType.BOOLEAN,
    "datetime.date": ValueType.DATE,
    "datetime.datetime": ValueType.DATETIME,
}
_LISTS = {"builtins.list", "typing.List", "typing.Sequence", "collections.abc.Sequence"}
_DICTS = {"builtins.dict", "typing.Dict", "typing.Mapping", "collections.abc.Mapping"}
_OPTIONAL = {"typing.Optional", "typing_extensions.Optional"}
_UNION = {"typing.Union", "typing_extensions.Union"}
_LITERAL = {"typing.Literal", "typing_extensions.Literal"}
_ANNOTATED = {"typing.Annotated", "typing_extensions.Annotated"}
_MAX_DEPTH = 8


class Imports:
    """The names a module's top-level imports bind, to canonical dotted names."""

    def __init__(self, module: ast.Module) -> None:
        self._names: dict[str, str] = {}
        for statement in _top_level(module.body):
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname:
                        self._names[alias.asname] = alias.name
                    else:
                        first = alias.name.split(".")[0]
                        self._names[first] = first
            elif isinstance(statement, ast.ImportFrom) and statement.module:
                for alias in statement.names:
                    bound = alias.asname or alias.name
                    self._names[bound] = f"{statement.module}.{alias.name}"

    def canonical(self, node: ast.expr) -> str | None:
        """``datetime.date`` for ``dt.date`` after ``import datetime as dt``; builtins get
        ``builtins.``; ``None`` for anything that is not a dotted name."""
        if isinstance(node, ast.Name):
            return self._names.get(node.id, f"builtins.{node.id}")
        if isinstance(node, ast.Attribute):
            base = self.canonical(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those inside ``if``/``try``/``with`` blocks."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list):
                yield from _top_level([item for item in inner if isinstance(item, ast.stmt)])
        for handler in getattr(statement, "handlers", []):
            yield from _top_level(handler.body)


def read_annotation(node: ast.expr, imports: Imports) -> TypeSpec:
    """The :class:`TypeSpec` of an annotation.

    Raises:
        Unsupported: the annotation is not in the table of this module.
    """
    return replace(_read(node, imports, 0), annotation=ast.unparse(node))


def _read(node: ast.expr, imports: Imports, depth: int) -> TypeSpec:
    if depth > _MAX_DEPTH:
        raise Unsupported("nested too deeply")
    if isinstance(node, ast.Constant):
        if node.value is None:
            return TypeSpec(ValueType.NULL, nullable=True)
        if isinstance(node.value, str):
            try:
                inner = ast.parse(node.value.strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError) as exc:
                raise Unsupported("a string that is not an annotation") from exc
            return _read(inner, imports, depth + 1)
        raise Unsupported("a constant")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([node.left, node.right], imports, depth)
    if isinstance(node, ast.Subscript):
        return _subscript(node, imports, depth)
    name = imports.canonical(node)
    if name in _SCALAR_NAMES:
        return TypeSpec(_SCALAR_NAMES[name])
    if name in _LISTS:
        return TypeSpec(ValueType.LIST, items=ValueType.STRING)
    if name in _DICTS:
        return TypeSpec(ValueType.OBJECT)
    raise Unsupported(f"{ast.unparse(node)} is not a supported type")


def _subscript(node: ast.Subscript, imports: Imports, depth: int) -> TypeSpec:
    name = imports.canonical(node.value)
    args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if name in _OPTIONAL and len(args) == 1:
        return _union([args[0], ast.Constant(None)], imports, depth)
    if name in _UNION:
        return _union(args, imports, depth)
    if name in _LITERAL:
        return _literal(args)
    if name in _ANNOTATED:
        return _read(args[0], imports, depth + 1)
    if name in _DICTS:
        return TypeSpec(ValueType.OBJECT)
    if name in _LISTS and len(args) == 1:
        item = _read(args[0], imports, depth + 1)
        if item.nullable or item.type not in SCALARS | {ValueType.OBJECT}:
            raise Unsupported("a list of anything but plain values")
        return TypeSpec(ValueType.LIST, items=item.type, choices=item.choices)
    raise Unsupported(f"{ast.unparse(node.value)}[...] is not a supported type")


def _union(members: list[ast.expr], imports: Imports, depth: int) -> TypeSpec:
    specs = [_read(member, imports, depth + 1) for member in members]
    others = [spec for spec in specs if spec.type is not ValueType.NULL]
    nullable = any(spec.nullable for spec in specs)
    if not others:
        return TypeSpec(ValueType.NULL, nullable=True)
    if len({(spec.type, spec.items, spec.choices) for spec in others}) != 1:
        raise Unsupported("a union of several types")
    return replace(others[0], nullable=nullable)


def _literal(args: list[ast.expr]) -> TypeSpec:
    values: list[Choice] = []
    nullable = False
    for arg in args:
        try:
            value = ast.literal_eval(arg)
        except (ValueError, TypeError, SyntaxError, RecursionError) as exc:
            raise Unsupported("a Literal of something but plain values") from exc
        if value is None:
            nullable = True
        elif isinstance(value, str | int | float):  # bool is an int
            values.append(value)
        else:
            raise Unsupported("a Literal of something but plain values")
    kinds = {type(value) for value in values}
    if not kinds:
        return TypeSpec(ValueType.NULL, nullable=True)
    if kinds == {str}:
        kind = ValueType.STRING
    elif kinds == {bool}:
        kind = ValueType.BOOLEAN
    elif kinds <= {int, float} and bool not in kinds:
        kind = ValueType.INTEGER if kinds == {int} else ValueType.NUMBER
    else:
        raise Unsupported("a Literal mixing types")
    return TypeSpec(kind, choices=tuple(values), nullable=nullable)


def of_value(value: object) -> ValueType | None:
    """The scalar type of a literal default, used when a parameter has no annotation."""
    if isinstance(value, bool):
        return ValueType.BOOLEAN
    if isinstance(value, int):
        return ValueType.INTEGER
    if isinstance(value, float):
        return ValueType.NUMBER
    if isinstance(value, str):
        return ValueType.STRING
    return None
