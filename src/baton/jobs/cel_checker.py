"""The static type checker of CEL expressions, and what parsing, checking and running share.

:func:`type_of` computes the :class:`~baton.jobs.types.JobType` of a parse tree (the simplified
celpy tree :func:`baton.jobs.expressions.parse` builds) when its variables have the types in a
scope. It refuses unknown variables, fields and functions, macros (``has``, ``all``, ``map``...)
used wrongly, and operators and functions applied to types they do not take. Its rules follow
the run time's (:mod:`baton.jobs.cel_runtime`): an integer and a number mix in arithmetic and
comparisons, and a value of type ``any`` is let through, to be judged when it runs.

Also here, because the parser, the checker and the run time all use them: :class:`ExpressionError`
(re-exported by :mod:`baton.jobs.expressions`, where callers import it), the tree type
:data:`Tree`, :func:`column_of` and the operator symbols :data:`OPERATORS`.

Use it through :mod:`baton.jobs.expressions` (:func:`~baton.jobs.expressions.check`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NoReturn, TypeAlias, cast

import lark
from celpy import celtypes
from celpy.evaluation import celbytes, celstr

from baton.errors import BatonError
from baton.jobs.types import JobType, TypeKind, assignable, common_type

__all__ = ["OPERATORS", "ExpressionError", "Tree", "column_of", "type_of"]

Tree: TypeAlias = "lark.Tree[lark.Token]"


# --- Errors and positions ------------------------------------------------------------------


class ExpressionError(BatonError):
    """An expression (or template) that does not parse, type-check or evaluate.

    Attributes:
        message: one line naming what is wrong.
        column: where, counted from 1 in the expression's line (for a template: the position of
            the ``{{`` segment in the template text); None when not known.
    """

    code = "expression_error"

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"{message} (at column {column})")
        self.message = message
        self.column = column


def column_of(node: Tree) -> int | None:
    """Where ``node`` starts in its expression's line, counted from 1; None when not known."""
    column = getattr(node.meta, "column", None)
    return column if isinstance(column, int) else None


# --- Type checking -------------------------------------------------------------------------

_ANY, _BOOLEAN, _INTEGER, _NUMBER, _STRING = (
    JobType.ANY,
    JobType.BOOLEAN,
    JobType.INTEGER,
    JobType.NUMBER,
    JobType.STRING,
)
_K = TypeKind
_NUMERIC = frozenset({_K.INTEGER, _K.NUMBER})
_ORDERED = _NUMERIC | {_K.STRING, _K.DATE, _K.DATETIME, _K.DURATION}
_TIMES = frozenset({_K.DATE, _K.DATETIME})

#: Which kinds an arithmetic operator accepts at all (to judge an operand next to ``any``).
_ARITHMETIC_KINDS: dict[str, frozenset[TypeKind]] = {
    "+": _NUMERIC | _TIMES | {_K.STRING, _K.LIST, _K.DURATION},
    "-": _NUMERIC | _TIMES | {_K.DURATION},
    "*": _NUMERIC,
    "/": _NUMERIC,
    "%": _NUMERIC,
}
#: Non-numeric arithmetic: (operator, left kind, right kind) -> result.
_ARITHMETIC: dict[tuple[str, TypeKind, TypeKind], JobType] = {
    ("+", _K.STRING, _K.STRING): _STRING,
    ("+", _K.DURATION, _K.DURATION): JobType.DURATION,
    ("-", _K.DURATION, _K.DURATION): JobType.DURATION,
    **{("+", time, _K.DURATION): JobType.DATETIME for time in _TIMES},
    **{("+", _K.DURATION, time): JobType.DATETIME for time in _TIMES},
    **{("-", time, _K.DURATION): JobType.DATETIME for time in _TIMES},
    ("-", _K.DATE, _K.DATE): JobType.DURATION,
    ("-", _K.DATETIME, _K.DATETIME): JobType.DURATION,
}
OPERATORS = {
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_in": "in",
}


@dataclass(frozen=True)
class _Signature:
    """A function or method: the kinds of its first argument (the receiver of a method), the
    types of the others (the last ``optional`` of them may be left out), and its result."""

    accepts: frozenset[TypeKind]
    result: JobType
    params: tuple[JobType, ...] = ()
    optional: int = 0


def _sig(result: JobType, *kinds: TypeKind, params: int = 0, optional: int = 0) -> _Signature:
    return _Signature(frozenset(kinds), result, (_STRING,) * params, optional)


#: Global functions of one argument (``has`` and ``dyn`` are macros, handled apart).
_FUNCTIONS: dict[str, _Signature] = {
    "size": _sig(_INTEGER, _K.STRING, _K.LIST, _K.OBJECT),
    "int": _sig(_INTEGER, _K.INTEGER, _K.NUMBER, _K.STRING, _K.DATE, _K.DATETIME),
    "uint": _sig(_INTEGER, _K.INTEGER, _K.NUMBER, _K.STRING),
    "double": _sig(_NUMBER, _K.INTEGER, _K.NUMBER, _K.STRING),
    "string": _sig(_STRING, _K.STRING, _K.INTEGER, _K.NUMBER, _K.BOOLEAN, *_TIMES, _K.DURATION),
    "bool": _sig(_BOOLEAN, _K.BOOLEAN, _K.STRING),
    "timestamp": _sig(JobType.DATETIME, _K.STRING, *_TIMES),
    "duration": _sig(JobType.DURATION, _K.STRING, _K.DURATION),
}
#: Methods: ``receiver.name(arguments)``; string arguments only.
_METHODS: dict[str, _Signature] = {
    **{
        name: _sig(_BOOLEAN, _K.STRING, params=1)
        for name in ("contains", "startsWith", "endsWith", "matches")
    },
    "size": _sig(_INTEGER, _K.STRING, _K.LIST, _K.OBJECT),
    **{
        name: _sig(_INTEGER, *_TIMES, params=1, optional=1)
        for name in (
            "getFullYear",
            "getMonth",
            "getDayOfMonth",
            "getDate",
            "getDayOfWeek",
            "getDayOfYear",
        )
    },
    **{
        name: _sig(_INTEGER, *_TIMES, _K.DURATION, params=1, optional=1)
        for name in ("getHours", "getMinutes", "getSeconds", "getMilliseconds")
    },
}
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


def type_of(tree: Tree, scope: Mapping[str, JobType]) -> JobType:
    """The type of the parse tree ``tree`` when its variables have the types in ``scope``.

    Raises:
        ExpressionError: as :func:`baton.jobs.expressions.check` says.
    """
    return _Checker().type_of(tree, scope)


def _fail(node: Tree | lark.Token, message: str) -> NoReturn:
    column = node.column if isinstance(node, lark.Token) else column_of(node)
    raise ExpressionError(message, column if isinstance(column, int) else None)


def _comparable(first: JobType, second: JobType) -> bool:
    return assignable(first, second) or assignable(second, first)


def _string_literal(node: Tree) -> str | None:
    if node.data != "literal":
        return None
    token = node.children[0]
    if not isinstance(token, lark.Token) or token.type not in ("STRING_LIT", "MLSTRING_LIT"):
        return None
    return str(celstr(token))


def _arguments(node: Tree, index: int) -> list[Tree]:
    """The expressions of the list (``exprlist``, ``mapinits``) at ``node.children[index]``."""
    if len(node.children) <= index:
        return []
    return cast(list[Tree], cast(Tree, node.children[index]).children)


def _items_type(types: Iterable[JobType]) -> JobType | None:
    result: JobType | None = None
    for each in types:
        result = each if result is None else common_type(result, each)
    return None if result is None or result.kind is _K.NULL else result


class _Checker:
    """Computes the type of a simplified parse tree; recursion follows the expression's
    nesting, which :func:`parse` bounds."""

    def type_of(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        data = node.data
        if data == "literal":
            return self.literal(node)
        if data == "primary":
            return self.primary(node, scope)
        if data in ("conditionalor", "conditionaland"):
            return self.logical(node, scope, "||" if data == "conditionalor" else "&&")
        if data == "expr":
            return self.conditional(node, scope)
        if data == "relation":
            return self.relation(node, scope)
        if data in ("addition", "multiplication"):
            return self.arithmetic(node, scope)
        if data == "unary":
            return self.unary(node, scope)
        if data == "member_dot":
            target, name = node.children
            return self.field(node, self.type_of(cast(Tree, target), scope), str(name))
        if data == "member_index":
            return self.index(node, scope)
        if data == "member_dot_arg":
            return self.method(node, scope)
        if data == "member_object":
            _fail(node, "message construction (Name{field: value}) is not supported")
        _fail(node, f"unsupported expression ({data})")  # pragma: no cover - grammar is closed

    def literal(self, node: Tree) -> JobType:
        token = cast(lark.Token, node.children[0])
        kind = token.type
        try:
            if kind == "INT_LIT":
                celtypes.IntType(token.value)
                return _INTEGER
            if kind == "UINT_LIT":
                celtypes.UintType(token.value[:-1])
                return _INTEGER
            if kind == "FLOAT_LIT":
                return _NUMBER
            if kind in ("STRING_LIT", "MLSTRING_LIT"):
                celstr(token)
                return _STRING
            if kind == "BYTES_LIT":
                celbytes(token)
                return _STRING
        except (ValueError, TypeError, OverflowError):
            _fail(node, f"literal {token.value} is out of range or malformed")
        if kind == "BOOL_LIT":
            return _BOOLEAN
        return JobType.NULL

    def primary(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        child = cast(Tree, node.children[0])
        if child.data == "ident":
            name = str(child.children[0])
            if name not in scope:
                known = ", ".join(sorted(scope)) or "nothing"
                _fail(child, f"unknown variable {name!r}; in scope: {known}")
            return scope[name]
        if child.data == "ident_arg":
            return self.call(child, scope)
        if child.data == "list_lit":
            items = _arguments(child, 0)
            return JobType.list_of(_items_type(self.type_of(item, scope) for item in items))
        if child.data == "map_lit":
            return self.map_literal(child, scope)
        _fail(child, "names with a leading '.' are not supported")

    def map_literal(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        children = _arguments(node, 0)
        fields: dict[str, JobType] | None = {}
        for key, value in zip(children[0::2], children[1::2], strict=True):
            key_type = self.type_of(key, scope)
            if not (key_type.is_any or key_type.kind is _K.STRING):
                _fail(key, f"object keys must be strings, not {key_type}")
            value_type = self.type_of(value, scope)
            name = _string_literal(key)
            if name is None:
                fields = None
            elif fields is not None:
                if name in fields:
                    _fail(key, f"duplicate key {name!r}")
                fields[name] = value_type
        return JobType.object_of(fields)

    def logical(self, node: Tree, scope: Mapping[str, JobType], symbol: str) -> JobType:
        for side in node.children:
            side_type = self.type_of(cast(Tree, side), scope)
            if not (side_type.is_any or side_type.kind is _K.BOOLEAN):
                _fail(side, f"operator {symbol} needs boolean operands, not {side_type}")
        return _BOOLEAN

    def conditional(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        condition, then, otherwise = cast(list[Tree], node.children)
        condition_type = self.type_of(condition, scope)
        if not (condition_type.is_any or condition_type.kind is _K.BOOLEAN):
            _fail(condition, f"the condition of '?:' must be boolean, not {condition_type}")
        return common_type(self.type_of(then, scope), self.type_of(otherwise, scope))

    def _operands(self, node: Tree, scope: Mapping[str, JobType]) -> tuple[str, JobType, JobType]:
        operator_node, right = cast(list[Tree], node.children)
        left = cast(Tree, operator_node.children[0])
        symbol = OPERATORS[operator_node.data]
        return symbol, self.type_of(left, scope), self.type_of(right, scope)

    def relation(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        symbol, left, right = self._operands(node, scope)
        if symbol in ("==", "!="):
            if _K.NULL in (left.kind, right.kind) or _comparable(left, right):
                return _BOOLEAN
            _fail(node, f"cannot compare {left} with {right} using {symbol}")
        if symbol == "in":
            if right.is_any:
                return _BOOLEAN
            if right.kind is _K.LIST:
                if left.kind is _K.NULL or _comparable(left, right.item_type()):
                    return _BOOLEAN
                _fail(node, f"cannot look for {left} in {right}")
            if right.kind is _K.OBJECT:
                if left.is_any or left.kind is _K.STRING:
                    return _BOOLEAN
                _fail(node, f"the keys of an object are strings; cannot look for {left}")
            _fail(node, f"operator 'in' needs a list or an object on its right, not {right}")
        if left.is_any or right.is_any:
            known = right if left.is_any else left
            if known.is_any or known.kind in _ORDERED:
                return _BOOLEAN
        elif (left.kind in _NUMERIC and right.kind in _NUMERIC) or (
            left.kind is right.kind and left.kind in _ORDERED
        ):
            return _BOOLEAN
        _fail(node, f"operator {symbol} cannot compare {left} with {right}")

    def arithmetic(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        symbol, left, right = self._operands(node, scope)
        if left.is_any or right.is_any:
            known = right if left.is_any else left
            if known.is_any or known.kind in _ARITHMETIC_KINDS[symbol]:
                return _ANY
            _fail(node, f"operator {symbol} cannot be applied to {known}")
        if left.kind in _NUMERIC and right.kind in _NUMERIC:
            both_integers = left.kind is right.kind is _K.INTEGER
            return _INTEGER if both_integers else _NUMBER
        if symbol == "+" and left.kind is right.kind is _K.LIST:
            return common_type(left, right)
        result = _ARITHMETIC.get((symbol, left.kind, right.kind))
        if result is None:
            _fail(node, f"operator {symbol} cannot be applied to {left} and {right}")
        return result

    def unary(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        operator_node, operand = cast(list[Tree], node.children)
        operand_type = self.type_of(operand, scope)
        if operator_node.data == "unary_not":
            if operand_type.is_any or operand_type.kind is _K.BOOLEAN:
                return _BOOLEAN
            _fail(node, f"operator ! needs a boolean operand, not {operand_type}")
        if operand_type.is_any or operand_type.kind in _NUMERIC | {_K.DURATION}:
            return operand_type
        _fail(node, f"operator - cannot be applied to {operand_type}")

    def field(self, node: Tree, target: JobType, name: str) -> JobType:
        if target.kind is _K.OBJECT and target.fields is not None:
            found = target.fields.get(name)
            if found is None:
                known = ", ".join(target.fields) or "none"
                _fail(node, f"object has no field {name!r}; its fields: {known}")
            return found
        if target.is_any or target.kind is _K.OBJECT:
            if name.startswith("__"):
                _fail(node, f"field names starting with '__' are reserved: {name!r}")
            return _ANY
        _fail(node, f"cannot select field {name!r} of a value of type {target}")

    def index(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        target_node, key_node = cast(list[Tree], node.children)
        target = self.type_of(target_node, scope)
        key = self.type_of(key_node, scope)
        if target.kind is _K.LIST:
            if not (key.is_any or key.kind is _K.INTEGER):
                _fail(key_node, f"a list index must be an integer, not {key}")
            return target.item_type()
        if target.is_any:
            if not (key.is_any or key.kind in (_K.INTEGER, _K.STRING)):
                _fail(key_node, f"an index must be an integer or a string, not {key}")
            return _ANY
        if target.kind is _K.OBJECT:
            if not (key.is_any or key.kind is _K.STRING):
                _fail(key_node, f"an object key must be a string, not {key}")
            if target.fields is None:
                return _ANY
            name = _string_literal(key_node)
            if name is not None:
                return self.field(node, target, name)
            return _items_type(target.fields.values()) or _ANY
        _fail(node, f"cannot index a value of type {target}")

    def call(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        name_token = cast(lark.Token, node.children[0])
        name = str(name_token)
        args = _arguments(node, 1)
        if name == "has":
            if len(args) != 1 or args[0].data != "member_dot":
                _fail(node, "has() takes one field selection, as in has(x.field)")
            target, field_name = args[0].children
            self.field(args[0], self.type_of(cast(Tree, target), scope), str(field_name))
            return _BOOLEAN
        if name == "dyn":
            self._arity(node, name, args, 1, 1)
            self.type_of(args[0], scope)
            return _ANY
        signature = _FUNCTIONS.get(name)
        if signature is None:
            _fail(name_token, f"unknown function {name!r}")
        self._arity(node, name, args, 1, 1)
        argument = self.type_of(args[0], scope)
        if not (argument.is_any or argument.kind in signature.accepts):
            _fail(args[0], f"{name}() cannot be applied to {argument}")
        return signature.result

    def method(self, node: Tree, scope: Mapping[str, JobType]) -> JobType:
        target_node, name_token = cast(list[Tree], node.children[:2])
        name = str(name_token)
        args = _arguments(node, 2)
        receiver = self.type_of(target_node, scope)
        if name in _MACROS:
            return self.macro(node, name, receiver, args, scope)
        signature = _METHODS.get(name)
        if signature is None:
            _fail(name_token, f"unknown function {name!r}")
        if not (receiver.is_any or receiver.kind in signature.accepts):
            _fail(node, f"{name}() cannot be applied to {receiver}")
        most = len(signature.params)
        self._arity(node, name, args, most - signature.optional, most)
        for position, (arg, wanted) in enumerate(zip(args, signature.params, strict=False), 1):
            given = self.type_of(arg, scope)
            if not assignable(given, wanted):
                _fail(arg, f"argument {position} of {name}() must be {wanted}, not {given}")
        return signature.result

    def macro(
        self,
        node: Tree,
        name: str,
        receiver: JobType,
        args: list[Tree],
        scope: Mapping[str, JobType],
    ) -> JobType:
        self._arity(node, name, args, 2, 2)
        variable = args[0]
        ident = variable.children[0] if variable.data == "primary" else None
        if not isinstance(ident, lark.Tree) or ident.data != "ident":
            _fail(variable, f"the first argument of {name}() must be a variable name")
        if receiver.is_any:
            item = _ANY
        elif receiver.kind is _K.LIST:
            item = receiver.item_type()
        elif receiver.kind is _K.OBJECT:
            item = _STRING  # a macro over an object iterates over its keys
        else:
            _fail(node, f"{name}() needs a list or an object, not {receiver}")
        inner = {**scope, str(ident.children[0]): item}
        body = self.type_of(args[1], inner)
        if name == "map":
            return JobType.list_of(body)
        if not (body.is_any or body.kind is _K.BOOLEAN):
            _fail(args[1], f"the condition of {name}() must be boolean, not {body}")
        if name == "filter":
            return JobType.list_of(item)
        return _BOOLEAN

    @staticmethod
    def _arity(node: Tree, name: str, args: list[Tree], least: int, most: int) -> None:
        if least <= len(args) <= most:
            return
        wanted = f"{least}" if least == most else f"{least} to {most}"
        plural = "" if wanted == "1" else "s"
        _fail(node, f"{name}() takes {wanted} argument{plural}, not {len(args)}")
