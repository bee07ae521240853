"""A program's typed ``main()`` signature, read statically: the program is never run.

The source is parsed with :mod:`ast`; annotations are mapped by :mod:`baton.appserver.typespec`
and defaults are read with :func:`ast.literal_eval`, which evaluates literals only. Nothing of the
program is imported or executed, so reading the signature of a program that would delete files
at import time is safe. The result feeds generated forms, request coercion
(:func:`baton.appserver.coercion.coerce`) and the job designer's variable extraction
(:meth:`ProgramSignature.to_json`).

``main`` is the last ``def main`` or ``async def main`` at the module's top level. A parameter
without an annotation takes its type from a literal default (``times=1`` is an integer), or is
a string. An annotation that cannot be mapped makes the parameter a string, with a ``note``;
in a return annotation it makes the result an ``object``.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from baton.appserver.docstrings import parse_docstring
from baton.appserver.typespec import (
    Imports,
    TypeSpec,
    Unsupported,
    ValueType,
    of_value,
    read_annotation,
)
from baton.errors import ProgramSourceError

#: A JSON value, as :meth:`ProgramSignature.to_json` returns it.
JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
#: A default value read from the source: a literal scalar, or a tuple of them for a list.
Default = str | int | float | bool | None | tuple[str | int | float | bool | None, ...]


class ParameterKind(StrEnum):
    """How ``main()`` takes a parameter (``*args`` and ``**kwargs`` are not parameters here)."""

    POSITIONAL_ONLY = "positional_only"
    POSITIONAL_OR_KEYWORD = "positional_or_keyword"
    KEYWORD_ONLY = "keyword_only"


@dataclass(frozen=True)
class Parameter:
    """One input variable of a program.

    Attributes:
        name: the parameter's name, which is also the request field's name.
        spec: the type it accepts.
        kind: positional-only, positional-or-keyword or keyword-only.
        required: no default and not nullable: a request must carry it.
        has_default: ``main()`` gives it a default.
        default_known: the default is a literal, whose value is ``default``.
        default: the literal default (a list or tuple as a tuple), else ``None``.
        description: from the docstring's ``Args:`` section.
    """

    name: str
    spec: TypeSpec
    kind: ParameterKind = ParameterKind.POSITIONAL_OR_KEYWORD
    required: bool = True
    has_default: bool = False
    default_known: bool = False
    default: Default = None
    description: str = ""

    def to_json(self) -> dict[str, JsonValue]:
        """The parameter as JSON: the type's members flattened in."""
        default: JsonValue = [*self.default] if isinstance(self.default, tuple) else self.default
        return {
            "name": self.name,
            **_spec_json(self.spec),
            "kind": self.kind.value,
            "required": self.required,
            "has_default": self.has_default,
            "default_known": self.default_known,
            "default": default,
            "description": self.description,
        }


@dataclass(frozen=True)
class ProgramSignature:
    """What a program takes and gives, as its ``main()`` declares it.

    Attributes:
        has_main: the program defines ``main()``; when false, every other member is empty.
        parameters: the input variables, in order.
        returns: the output's type, or ``None`` when ``main()`` has no return annotation.
        returns_description: from the docstring's ``Returns:`` section.
        summary: the first paragraph of ``main()``'s docstring.
        description: all the prose of ``main()``'s docstring.
        module_summary: the first paragraph of the module's docstring.
        is_async: ``main()`` is ``async def``.
        accepts_extra: ``main()`` takes ``**kwargs``.
        notes: what was ignored (``*args``, decorators, ...).
    """

    has_main: bool
    parameters: tuple[Parameter, ...] = ()
    returns: TypeSpec | None = None
    returns_description: str = ""
    summary: str = ""
    description: str = ""
    module_summary: str = ""
    is_async: bool = False
    accepts_extra: bool = False
    notes: tuple[str, ...] = ()

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name``, if any."""
        return next((p for p in self.parameters if p.name == name), None)

    def to_json(self) -> dict[str, JsonValue]:
        """The signature as JSON, for forms and the job designer."""
        returns: JsonValue = None
        if self.returns is not None:
            returns = {**_spec_json(self.returns), "description": self.returns_description}
        return {
            "has_main": self.has_main,
            "parameters": [parameter.to_json() for parameter in self.parameters],
            "returns": returns,
            "summary": self.summary,
            "description": self.description,
            "module_summary": self.module_summary,
            "is_async": self.is_async,
            "accepts_extra": self.accepts_extra,
            "notes": list(self.notes),
        }


def read_signature(path: Path, *, name: str | None = None) -> ProgramSignature:
    """The signature of the program in ``path`` (read, never imported).

    Args:
        path: the program's file.
        name: the program, as error messages name it (``library.name``, so that an error shown
            to a client does not reveal the server's folders); the path by default.

    Raises:
        ProgramSourceError: the file cannot be read, or is not valid Python (with the line).
    """
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise ProgramSourceError(name or str(path), exc.strerror or str(exc)) from exc
    return parse_signature(source, name=name or str(path))


def parse_signature(source: str | bytes, *, name: str = "<program>") -> ProgramSignature:
    """The signature of the program whose source is ``source``.

    Args:
        source: the program's text; bytes honour a PEP 263 ``coding:`` line.
        name: the program, as error messages name it.

    Raises:
        ProgramSourceError: ``source`` is not valid Python; ``line`` says where.
    """
    try:
        module = ast.parse(source, filename=name)
    except SyntaxError as exc:
        raise ProgramSourceError(name, exc.msg, line=exc.lineno) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ProgramSourceError(name, str(exc) or type(exc).__name__) from exc
    module_summary = parse_docstring(ast.get_docstring(module)).summary
    main = _find_main(module)
    if main is None:
        return ProgramSignature(has_main=False, module_summary=module_summary)
    docstring = parse_docstring(ast.get_docstring(main))
    imports = Imports(module)
    notes: list[str] = []
    if main.decorator_list:
        notes.append("main() is decorated; this is the signature as written")
    if main.args.vararg is not None:
        notes.append(f"*{main.args.vararg.arg} is ignored: fields are passed by name")
    parameters = tuple(
        replace(parameter, description=docstring.params.get(parameter.name, ""))
        for parameter in _parameters(main.args, imports)
    )
    return ProgramSignature(
        has_main=True,
        parameters=parameters,
        returns=_return_spec(main.returns, imports),
        returns_description=docstring.returns,
        summary=docstring.summary,
        description=docstring.description,
        module_summary=module_summary,
        is_async=isinstance(main, ast.AsyncFunctionDef),
        accepts_extra=main.args.kwarg is not None,
        notes=tuple(notes),
    )


def _find_main(module: ast.Module) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = None
    for statement in module.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and (
            statement.name == "main"
        ):
            found = statement
    return found


def _parameters(args: ast.arguments, imports: Imports) -> list[Parameter]:
    positional = [(arg, ParameterKind.POSITIONAL_ONLY) for arg in args.posonlyargs]
    positional += [(arg, ParameterKind.POSITIONAL_OR_KEYWORD) for arg in args.args]
    # Defaults belong to the last positional parameters.
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    pairs = [
        (arg, kind, default) for (arg, kind), default in zip(positional, defaults, strict=True)
    ]
    pairs += [
        (arg, ParameterKind.KEYWORD_ONLY, default)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    return [_parameter(arg, kind, default, imports) for arg, kind, default in pairs]


def _parameter(
    arg: ast.arg, kind: ParameterKind, default: ast.expr | None, imports: Imports
) -> Parameter:
    known, value = _literal_default(default)
    spec = _parameter_spec(arg.annotation, imports, value if known else None)
    if known and value is None and not spec.nullable:
        spec = replace(spec, nullable=True)  # ``x: int = None`` accepts None
    return Parameter(
        name=arg.arg,
        spec=spec,
        kind=kind,
        required=default is None and not spec.nullable,
        has_default=default is not None,
        default_known=known,
        default=value,
    )


def _literal_default(node: ast.expr | None) -> tuple[bool, Default]:
    """``(True, value)`` for a literal scalar or a list/tuple of them, else ``(False, None)``."""
    if node is None:
        return False, None
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    if isinstance(value, list | tuple) and all(_plain(item) for item in value):
        return True, tuple(value)
    if _plain(value):
        return True, value
    return False, None


def _plain(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def _parameter_spec(node: ast.expr | None, imports: Imports, default: Default) -> TypeSpec:
    if node is None:
        inferred = of_value(default)
        if inferred is not None:
            return TypeSpec(inferred, note="no annotation: the type of the default")
        if isinstance(default, tuple):
            return TypeSpec(ValueType.LIST, items=ValueType.STRING, note="no annotation")
        return TypeSpec(ValueType.STRING, note="no annotation: passed as a string")
    text = ast.unparse(node)
    try:
        spec = read_annotation(node, imports)
    except Unsupported as exc:
        return TypeSpec(ValueType.STRING, annotation=text, note=f"{exc}; passed as a string")
    if spec.type in {ValueType.OBJECT, ValueType.NULL} or spec.items is ValueType.OBJECT:
        note = "a request field cannot hold this type; passed as a string"
        return TypeSpec(ValueType.STRING, annotation=text, note=note)
    return spec


def _return_spec(node: ast.expr | None, imports: Imports) -> TypeSpec | None:
    if node is None:
        return None
    try:
        return read_annotation(node, imports)
    except Unsupported as exc:
        return TypeSpec(ValueType.OBJECT, annotation=ast.unparse(node), note=str(exc))


def _spec_json(spec: TypeSpec) -> dict[str, JsonValue]:
    return {
        "type": spec.type.value,
        "items": spec.items.value if spec.items is not None else None,
        "choices": list(spec.choices),
        "nullable": spec.nullable,
        "annotation": spec.annotation,
        "note": spec.note,
    }
