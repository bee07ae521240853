"""CEL expressions in jobs: parsed and type-checked at design time, evaluated at run time.

Conditions, bindings and templates are written in CEL (the Common Expression Language) and run
by ``cel-python`` (``celpy``), an interpreter over a parse tree: nothing is handed to Python's
``eval``, and an expression reaches only the JSON-like values it is given (never a Python
object's attributes).

- :func:`parse` reads the text once (refusing text over :data:`MAX_LENGTH` characters or nested
  deeper than :data:`MAX_DEPTH`) into an :class:`Expression`.
- :func:`check` computes its :class:`~baton.jobs.types.JobType` against the variables in scope,
  refusing unknown variables, fields and functions, and operations on the wrong types.
- :func:`evaluate` checks it again (against the declared types, or the values' own), runs
  it, and returns plain Python values.
- Templates are text with ``{{ expression }}`` segments (:func:`template_parts`,
  :func:`check_template`, :func:`render_template`); a literal ``{{`` is written ``{{ '{{' }}``.

Every failure is an :class:`ExpressionError` with a one-line message naming what is wrong.

Beyond the CEL specification: an integer and a number mix in arithmetic and comparisons (the
integer is widened), ``==`` between values of different types is false rather than an error,
and ``%`` works on numbers.

This module reads expressions and templates; the type checker is :mod:`baton.jobs.cel_checker`,
the run time (celpy with stricter operators and functions) :mod:`baton.jobs.cel_runtime`.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import cast

import lark
from celpy.celparser import CELParser
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from baton.jobs import cel_runtime
from baton.jobs.cel_checker import ExpressionError, Tree, column_of, type_of
from baton.jobs.types import JobType

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Expression",
    "ExpressionError",
    "check",
    "check_template",
    "evaluate",
    "parse",
    "render_template",
    "template_parts",
]

#: The longest expression :func:`parse` accepts, in characters.
MAX_LENGTH = 4_000
#: The deepest nesting of operators, calls, field selections and brackets :func:`parse` accepts.
MAX_DEPTH = 50
#: The longest template :func:`template_parts` accepts, in characters.
MAX_TEMPLATE_LENGTH = 65_536
#: Values given to :func:`evaluate` may nest lists and objects this deep (the run time's limit).
MAX_VALUE_DEPTH = cel_runtime.MAX_VALUE_DEPTH


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source text and its ``celpy`` parse tree.

    The tree is celpy's lark tree with the single-child links of the grammar's precedence
    levels removed (evaluation then needs far less stack); treat it as opaque.
    """

    source: str
    tree: Tree = field(repr=False, compare=False)

    @cached_property
    def selections(self) -> dict[str, frozenset[str] | None]:
        """The variables the expression reads: for each, the fields it selects from it
        (``nodes.a.x`` selects ``a`` of ``nodes``), or None when it uses the value as a
        whole (``size(nodes)``, ``nodes[k]``)."""
        found: dict[str, set[str] | None] = {}
        _collect(self.tree, None, found)
        return {name: None if got is None else frozenset(got) for name, got in found.items()}


def _collect(node: Tree, parent: Tree | None, found: dict[str, set[str] | None]) -> None:
    """Walk ``node`` noting each variable and how it is used (see ``selections``)."""
    if node.data == "primary" and len(node.children) == 1:
        child = node.children[0]
        if isinstance(child, lark.Tree) and child.data == "ident" and child.children:
            name = str(child.children[0])
            selected = (
                parent is not None
                and parent.data == "member_dot"
                and parent.children[0] is node
                and len(parent.children) > 1
            )
            if not selected or parent is None:
                found[name] = None
            elif name not in found or found[name] is not None:
                fields = found.setdefault(name, set())
                assert fields is not None
                fields.add(str(parent.children[1]))
            return
    for child in node.children:
        if isinstance(child, lark.Tree):
            _collect(child, node, found)


# --- Parsing -------------------------------------------------------------------------------


@cache
def _lark() -> lark.Lark:
    CELParser()  # builds celpy's one shared LALR parser on first use
    parser = CELParser.CEL_PARSER
    if parser is None:  # pragma: no cover - CELParser() always builds it
        raise RuntimeError("celpy did not build its parser")
    return parser


def parse(text: str) -> Expression:
    """Parse ``text`` as a CEL expression (a text parsed before is not parsed again).

    Raises:
        ExpressionError: the text is empty, too long, nested too deeply, or not CEL syntax.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    return _parse(text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Expression:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long: {len(text):,} characters (the limit is {MAX_LENGTH:,})"
        )
    if not text.strip():
        raise ExpressionError("expression is empty")
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from exc
    except LarkError as exc:
        raise ExpressionError("syntax error") from exc
    _check_depth(tree)
    return Expression(text, _simplify(tree))


def _syntax_error(text: str, exc: UnexpectedInput) -> ExpressionError:
    line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else None
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream if isinstance(exc.pos_in_stream, int) else -1
        found = text[position] if 0 <= position < len(text) else ""
        if found in "\"'":
            message = "syntax error: unterminated string"
        else:
            message = f"syntax error: unexpected character {found!r}"
    elif isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        message = f"syntax error: unexpected {exc.token.value!r}"
    else:
        message = "syntax error: unexpected end of expression"
        column = len(text.splitlines()[-1]) + 1 if text.splitlines() else 1
    expected = _describe_expected(getattr(exc, "expected", None) or set())
    if expected:
        message += f"; expected {expected}"
    if line > 1:
        message += f" on line {line}"
    return ExpressionError(message, column)


def _describe_expected(names: Iterable[str]) -> str:
    names = set(names)
    if {"IDENT", "INT_LIT"} <= names:
        return "a value"
    shown: list[str] = []
    for name in sorted(names):
        if name == "IDENT":
            shown.append("a name")
            continue
        try:
            pattern = _lark().get_terminal(name).pattern
        except KeyError:
            return ""
        if pattern.type != "str":
            return ""
        shown.append(repr(pattern.value))
    return " or ".join(shown) if 0 < len(shown) <= 4 else ""


#: Nodes that nest one expression in another, counted against :data:`MAX_DEPTH`.
_NESTING = frozenset(
    {
        "member_dot",
        "member_dot_arg",
        "member_index",
        "member_object",
        "ident_arg",
        "dot_ident_arg",
        "paren_expr",
        "list_lit",
        "map_lit",
    }
)
_BINARY = frozenset(
    {"conditionalor", "conditionaland", "relation", "addition", "multiplication", "unary"}
)
#: Precedence levels that only pass their one child through.
_PASS_THROUGH = _BINARY | {"expr", "member"}


def _check_depth(tree: Tree) -> None:
    # An explicit stack: the point is to refuse trees too deep for recursion.
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if (
            node.data in _NESTING
            or (node.data in _BINARY and len(node.children) == 2)
            or (node.data == "expr" and len(node.children) == 3)
        ):
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(
                    f"expression is nested too deeply (the limit is {MAX_DEPTH} levels)",
                    column_of(node),
                )
        stack.extend((child, depth) for child in node.children if isinstance(child, lark.Tree))


def _skip(node: Tree) -> Tree:
    while len(node.children) == 1 and isinstance(node.children[0], lark.Tree):
        child = node.children[0]
        if node.data in _PASS_THROUGH or (node.data == "primary" and child.data == "literal"):
            node = child
        elif node.data == "primary" and child.data == "paren_expr":
            inner = child.children[0]
            if not isinstance(inner, lark.Tree):  # pragma: no cover - grammar: "(" expr ")"
                return node
            node = inner
        else:
            return node
    return node


def _simplify(tree: Tree) -> Tree:
    root = _skip(tree)
    stack = [root]
    while stack:
        node = stack.pop()
        for index, child in enumerate(node.children):
            if isinstance(child, lark.Tree):
                node.children[index] = simple = _skip(child)
                stack.append(simple)
    return root


def _as_expression(expression: Expression | str) -> Expression:
    return expression if isinstance(expression, Expression) else parse(expression)


# --- Checking and evaluation ---------------------------------------------------------------


def check(expression: Expression | str, scope: Mapping[str, JobType]) -> JobType:
    """The type of ``expression`` when its variables have the types in ``scope``.

    Raises:
        ExpressionError: the expression does not parse, names a variable not in scope, a field
            an object does not have or an unknown function, or applies an operator or function
            to values it does not take.
    """
    parsed = _as_expression(expression)
    return type_of(parsed.tree, scope)


def evaluate(
    expression: Expression | str,
    values: Mapping[str, object],
    *,
    scope: Mapping[str, JobType] | None = None,
) -> object:
    """Evaluate ``expression`` with its variables set to ``values``.

    The values must be JSON-like (None, bool, int, float, str, lists, dicts with string keys),
    dates, datetimes (naive ones are taken as UTC) or timedeltas. The expression is checked
    first, against ``scope`` (the variables' declared types, as at design time) where it names
    a variable, else against the values' own types. The result is JSON-like too: timestamps
    come back as timezone-aware UTC ``datetime`` (a ``date`` where the expression's type is
    date), durations as ``timedelta``, bytes as text.

    Raises:
        ExpressionError: the expression does not parse or check, a value is not JSON-like, or
            evaluation failed (division by zero, a missing key, an index out of range, a value
            out of range, a conversion that does not apply).
    """
    parsed = _as_expression(expression)
    activation, checked = cel_runtime.prepare(_needed(parsed, values), scope)
    return _run(parsed, activation, checked)


def _needed(expression: Expression, values: Mapping[str, object]) -> dict[str, object]:
    """The part of ``values`` the expression reads: the variables it names, and of a variable
    it only selects fields from, those fields (so a binding late in a long run does not
    convert every earlier node's outputs)."""
    needed: dict[str, object] = {}
    selections = expression.selections
    for name, value in values.items():
        if name not in selections:
            if not isinstance(name, str) or not cel_runtime.IDENTIFIER.fullmatch(name):
                needed[name] = value  # refused by name, as any value would be
            continue
        fields = selections[name]
        if fields is not None and isinstance(value, Mapping):
            needed[name] = {key: value[key] for key in fields if key in value}
        else:
            needed[name] = value
    return needed


def _run(
    expression: Expression, activation: cel_runtime.Activation, scope: Mapping[str, JobType]
) -> object:
    result_type = check(expression, scope)
    return cel_runtime.run(expression.tree, activation, result_type)


# --- Templates -----------------------------------------------------------------------------


def template_parts(text: str) -> list[str | Expression]:
    """Split a template into literal text and parsed ``{{ expression }}`` segments, in order.

    A segment ends at the first ``}}`` outside the expression's strings and braces, so
    ``{{ {"a": 1} }}`` and ``{{ "}}" }}`` are single segments; ``{{ '{{' }}`` writes ``{{``.

    Raises:
        ExpressionError: a ``{{`` is not closed, or a segment does not parse (the column is the
            position of its ``{{`` in the template).
    """
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ExpressionError(
            f"template is too long: {len(text):,} characters (the limit is {MAX_TEMPLATE_LENGTH:,})"
        )
    parts: list[str | Expression] = []
    position = 0
    while (opening := text.find("{{", position)) >= 0:
        closing = _segment_end(text, opening)
        if opening > position:
            parts.append(text[position:opening])
        try:
            parts.append(parse(text[opening + 2 : closing]))
        except ExpressionError as exc:
            raise _in_segment(exc, text, opening, closing) from exc
        position = closing + 2
    if position < len(text):
        parts.append(text[position:])
    return parts


def _segment_end(text: str, opening: int) -> int:
    """The index of the ``}}`` that closes the segment opened at ``opening``."""
    depth = 0
    index = opening + 2
    while index < len(text):
        char = text[index]
        if char in "\"'":
            quote = text[index : index + 3] if text[index : index + 3] in ('"""', "'''") else char
            index += len(quote)
            while index < len(text) and not text.startswith(quote, index):
                index += 2 if text[index] == "\\" else 1
            index += len(quote)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and text.startswith("}}", index):
                return index
            depth = max(depth - 1, 0)
        index += 1
    raise ExpressionError("template has a '{{' that is not closed by '}}'", opening + 1)


def _in_segment(exc: ExpressionError, text: str, opening: int, closing: int) -> ExpressionError:
    segment = " ".join(text[opening : closing + 2].split())
    if len(segment) > 60:
        segment = segment[:57] + "..."
    return ExpressionError(f"in template segment {segment}: {exc.message}", opening + 1)


def check_template(text: str, scope: Mapping[str, JobType]) -> None:
    """Check every ``{{ expression }}`` segment of a template against ``scope``.

    Raises:
        ExpressionError: the first segment that does not parse or check, located by its
            position in the template.
    """
    position = 0
    for part in template_parts(text):
        if isinstance(part, str):
            position += len(part)
            continue
        opening = text.index("{{", position)
        closing = _segment_end(text, opening)
        try:
            check(part, scope)
        except ExpressionError as exc:
            raise _in_segment(exc, text, opening, closing) from exc
        position = closing + 2


def render_template(
    text: str, values: Mapping[str, object], *, scope: Mapping[str, JobType] | None = None
) -> str:
    """Render a template: each segment's value as text (strings as they are, ``true``/
    ``false``, ``null``, numbers as written, datetimes in ISO 8601, lists and objects as JSON).

    ``scope`` is as for :func:`evaluate`.

    Raises:
        ExpressionError: as :func:`template_parts` and :func:`evaluate` do.
    """
    parts = template_parts(text)
    activation, checked = cel_runtime.prepare(values, scope)
    rendered: list[str] = []
    for part in parts:
        if isinstance(part, str):
            rendered.append(part)
        else:
            rendered.append(_as_text(_run(part, activation, checked)))
    return "".join(rendered)


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.date | datetime.timedelta):
        return cast(str, _json_default(value))
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _json_default(value: object) -> object:
    if isinstance(value, datetime.datetime) and value.utcoffset() == datetime.timedelta(0):
        return value.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
        return f"{int(seconds)}s" if seconds.is_integer() else f"{seconds}s"
    raise TypeError(f"not JSON-like: {type(value).__name__}")  # pragma: no cover
