"""Reading ``main()``'s signature statically: types, defaults, docstrings; never running code."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

import baton.appserver
from baton.appserver.signature import (
    Parameter,
    ParameterKind,
    ProgramSignature,
    parse_signature,
    read_signature,
)
from baton.appserver.typespec import TypeSpec, ValueType
from baton.errors import ProgramSourceError

STR, INT, NUM, BOOL = ValueType.STRING, ValueType.INTEGER, ValueType.NUMBER, ValueType.BOOLEAN
DATE, DT, LIST, OBJ = ValueType.DATE, ValueType.DATETIME, ValueType.LIST, ValueType.OBJECT
SAMPLES = Path(baton.appserver.__file__).parent / "samples"

HEADER = """\
import datetime
import datetime as dt
import typing
import typing as t
from collections.abc import Sequence
from datetime import date, datetime as DateTime
from typing import Annotated, List, Literal, Optional, Union
"""


def signature(source: str) -> ProgramSignature:
    return parse_signature(HEADER + textwrap.dedent(source))


def only(source: str) -> Parameter:
    (parameter,) = signature(source).parameters
    return parameter


# (annotation, type, items, choices, nullable)
ANNOTATIONS: list[tuple[str, ValueType, ValueType | None, tuple[object, ...], bool]] = [
    ("str", STR, None, (), False),
    ("int", INT, None, (), False),
    ("float", NUM, None, (), False),
    ("bool", BOOL, None, (), False),
    ("date", DATE, None, (), False),
    ("datetime.date", DATE, None, (), False),
    ("dt.date", DATE, None, (), False),
    ("DateTime", DT, None, (), False),
    ("datetime.datetime", DT, None, (), False),
    ("dt.datetime", DT, None, (), False),
    ("list[str]", LIST, STR, (), False),
    ("list[int]", LIST, INT, (), False),
    ("list[float]", LIST, NUM, (), False),
    ("list[bool]", LIST, BOOL, (), False),
    ("list[date]", LIST, DATE, (), False),
    ("List[int]", LIST, INT, (), False),
    ("typing.List[int]", LIST, INT, (), False),
    ("Sequence[int]", LIST, INT, (), False),
    ("list", LIST, STR, (), False),
    ("list[Literal['a', 'b']]", LIST, STR, ("a", "b"), False),
    ("Optional[int]", INT, None, (), True),
    ("t.Optional[int]", INT, None, (), True),
    ("int | None", INT, None, (), True),
    ("None | int", INT, None, (), True),
    ("Union[int, None]", INT, None, (), True),
    ("typing.Union[None, date]", DATE, None, (), True),
    ("list[int] | None", LIST, INT, (), True),
    ("Literal['north', 'south']", STR, None, ("north", "south"), False),
    ("Literal[1, 2, 3]", INT, None, (1, 2, 3), False),
    ("Literal[-1, 0.5]", NUM, None, (-1, 0.5), False),
    ("Literal[True]", BOOL, None, (True,), False),
    ("Literal['a', None]", STR, None, ("a",), True),
    ("Optional[Literal['a', 'b']]", STR, None, ("a", "b"), True),
    ("Annotated[int, 'a year']", INT, None, (), False),
    ("'int'", INT, None, (), False),
    ("'list[date] | None'", LIST, DATE, (), True),
]


@pytest.mark.parametrize(("annotation", "kind", "items", "choices", "nullable"), ANNOTATIONS)
def test_supported_annotations(
    annotation: str,
    kind: ValueType,
    items: ValueType | None,
    choices: tuple[object, ...],
    nullable: bool,
) -> None:
    parameter = only(f"def main(x: {annotation}): ...")

    spec = parameter.spec
    assert (spec.type, spec.items, spec.choices, spec.nullable) == (kind, items, choices, nullable)
    assert spec.note == ""
    assert parameter.required is not nullable


UNSUPPORTED = [
    "Decimal",
    "Path",
    "int | str",
    "Union[int, float]",
    "tuple[int, ...]",
    "list[list[int]]",
    "list[int | None]",
    "dict[str, int]",
    "dict",
    "Literal[1, 'a']",
    "Literal[b'x']",
    "typing.Any",
    "object",
    "None",
    "'not an annotation('",
    "'1 +'",
    "Optional",
    "List[int, str]",
    "unknown.module.Type",
    "datetime",  # the module, bound by `import datetime`
    "lambda: 1",
    "int()",
    "'''" + "'" * 3,  # an empty string annotation
]


@pytest.mark.parametrize("annotation", UNSUPPORTED)
def test_unsupported_annotations_are_strings_with_a_note(annotation: str) -> None:
    parameter = only(f"def main(x: {annotation}): ...")

    assert parameter.spec.type is STR
    assert parameter.spec.note
    assert parameter.spec.annotation


def test_a_bare_datetime_is_the_class_when_imported_from_the_module() -> None:
    source = "from datetime import datetime\ndef main(x: datetime, y: 'datetime'): ..."

    assert [p.spec.type for p in parse_signature(source).parameters] == [DT, DT]


def test_imports_under_type_checking_count() -> None:
    source = textwrap.dedent(
        """\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from datetime import date
        else:
            try:
                from typing import Literal as Choice
            except ImportError:
                pass
        def main(day: "date", kind: "Choice['a']"): ...
        """
    )
    day, kind = parse_signature(source).parameters

    assert day.spec.type is DATE
    assert kind.spec.choices == ("a",)


def test_deeply_nested_string_annotations_stop() -> None:
    annotation = "int"
    for _ in range(12):
        annotation = repr(annotation)

    parameter = parse_signature(f"def main(x: {annotation}): ...").parameters[0]

    assert parameter.spec.type is STR
    assert "deep" in parameter.spec.note


def test_defaults_and_requiredness() -> None:
    sig = signature(
        """\
        LIMIT = 5
        def main(
            a: int,
            b: int = 2,
            c: str = "x",
            d: float = -1.5,
            e: bool = True,
            f: list[int] = [1, 2],
            g: list[str] = ("x",),
            h: int | None = None,
            i: int | None = LIMIT,
            j: date = date.today(),
            k: int = None,
            l: int | None = ...,
            m: float = 1e999,
            n: str = {"a": 1},
        ): ...
        """
    )
    got = {p.name: (p.required, p.has_default, p.default_known, p.default) for p in sig.parameters}

    assert got == {
        "a": (True, False, False, None),
        "b": (False, True, True, 2),
        "c": (False, True, True, "x"),
        "d": (False, True, True, -1.5),
        "e": (False, True, True, True),
        "f": (False, True, True, (1, 2)),
        "g": (False, True, True, ("x",)),
        "h": (False, True, True, None),
        "i": (False, True, False, None),  # has a default, value not known
        "j": (False, True, False, None),
        "k": (False, True, True, None),
        "l": (False, True, False, None),  # Ellipsis is a literal but not a value
        "m": (False, True, False, None),  # inf cannot be JSON
        "n": (False, True, False, None),
    }
    k = sig.parameter("k")
    assert k is not None and k.spec.nullable
    assert sig.parameter("zz") is None


def test_an_optional_without_default_is_not_required() -> None:
    assert only("def main(x: int | None): ...").required is False


def test_parameters_without_annotations_take_the_default_type() -> None:
    sig = parse_signature("def main(a, b=1, c=2.5, d=True, e='s', f=None, g=[1], h=len): ...")

    types = {p.name: (p.spec.type, p.spec.nullable) for p in sig.parameters}
    assert types == {
        "a": (STR, False),
        "b": (INT, False),
        "c": (NUM, False),
        "d": (BOOL, False),
        "e": (STR, False),
        "f": (STR, True),
        "g": (LIST, False),
        "h": (STR, False),
    }
    assert all(p.spec.note.startswith("no annotation") for p in sig.parameters)


def test_parameter_kinds_and_extras() -> None:
    sig = parse_signature("@trace\ndef main(a, /, b, *rest, c, d=1, **more) -> None: ...")

    kinds = [p.kind for p in sig.parameters]
    assert kinds == [
        ParameterKind.POSITIONAL_ONLY,
        ParameterKind.POSITIONAL_OR_KEYWORD,
        ParameterKind.KEYWORD_ONLY,
        ParameterKind.KEYWORD_ONLY,
    ]
    assert [p.required for p in sig.parameters] == [True, True, True, False]
    assert sig.accepts_extra
    assert any("*rest" in note for note in sig.notes)
    assert any("decorated" in note for note in sig.notes)
    assert sig.returns == TypeSpec(ValueType.NULL, nullable=True, annotation="None")


RETURNS = [
    ("int", INT, False, ""),
    ("dict[str, object]", OBJ, False, ""),
    ("dict", OBJ, False, ""),
    ("list[dict[str, int]]", LIST, False, ""),
    ("str | None", STR, True, ""),
    ("Result", OBJ, False, "Result is not a supported type"),
]


@pytest.mark.parametrize(("annotation", "kind", "nullable", "note"), RETURNS)
def test_return_annotations(annotation: str, kind: ValueType, nullable: bool, note: str) -> None:
    returns = signature(f"def main() -> {annotation}: ...").returns

    assert returns is not None
    assert (returns.type, returns.nullable, returns.note) == (kind, nullable, note)
    assert returns.annotation == annotation


def test_no_return_annotation() -> None:
    assert parse_signature("def main(): ...").returns is None


def test_the_docstring_gives_summary_descriptions_and_returns() -> None:
    sig = parse_signature(
        '''\
"""Regional sales.

Longer text about the module.
"""


def main(region: str, year: int = 2024, *, detail: bool = False) -> dict[str, object]:
    """Sum sales for one region
    and one year.

    The numbers come from the warehouse.

    Args:
        region: the region's name,
            as the warehouse spells it.
        year (int): the calendar year.
        detail: one row per month.

            Slower.
        ghost: not a parameter.

    Returns:
        The total and, with ``detail``,
        the rows.

    Raises:
        KeyError: an unknown region.
    """
'''
    )

    assert sig.module_summary == "Regional sales."
    assert sig.summary == "Sum sales for one region and one year."
    assert sig.description == (
        "Sum sales for one region and one year.\n\nThe numbers come from the warehouse."
    )
    descriptions = {p.name: p.description for p in sig.parameters}
    assert descriptions == {
        "region": "the region's name, as the warehouse spells it.",
        "year": "the calendar year.",
        "detail": "one row per month. Slower.",
    }
    assert sig.returns_description == "The total and, with ``detail``, the rows."


def test_no_docstring() -> None:
    sig = parse_signature("def main(x: int): pass")

    assert (sig.summary, sig.description, sig.returns_description) == ("", "", "")
    assert sig.parameters[0].description == ""


def test_a_program_without_main() -> None:
    sig = parse_signature('"""Just a script."""\nprint("hi")\ndef helper(x: int): ...\n')

    assert sig == ProgramSignature(has_main=False, module_summary="Just a script.")
    assert sig.to_json()["parameters"] == []


def test_only_a_top_level_main_counts_and_the_last_one_wins() -> None:
    source = textwrap.dedent(
        """\
        class Tool:
            def main(self, inner: int): ...
        def outer():
            def main(nested: int): ...
        def main(first: int): ...
        async def main(second: int): ...
        """
    )
    sig = parse_signature(source)

    assert [p.name for p in sig.parameters] == ["second"]
    assert sig.is_async


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("x = 1\ny = 2\ndef main(:\n    pass\n", 3),
        ("def main():\n  return 1\n   oops\n", 3),
        (b"x = '\xff'\n", 1),
    ],
)
def test_a_syntax_error_names_the_line(source: str | bytes, line: int) -> None:
    with pytest.raises(ProgramSourceError) as caught:
        parse_signature(source, name="sample.broken")

    assert caught.value.line == line
    assert f"line {line}" in caught.value.detail
    assert "sample.broken" in caught.value.detail


def test_null_bytes_and_deep_nesting_are_source_errors() -> None:
    for source in ("x = 1\x00\n", "x = " + "(" * 1000 + ")" * 1000 + "\n"):
        with pytest.raises(ProgramSourceError):
            parse_signature(source)


def test_an_unreadable_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(ProgramSourceError, match="cannot be read"):
        read_signature(tmp_path / "missing.py")


def test_errors_name_the_program_as_the_caller_names_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def main(:\n")

    with pytest.raises(ProgramSourceError) as caught:
        read_signature(path, name="sample.broken")

    assert caught.value.program == "sample.broken"
    assert str(tmp_path) not in caught.value.detail


def test_a_coding_line_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\ndef main(x: str = '\xe9t\xe9'): ...\n")

    assert read_signature(path).parameters[0].default == "\u00e9t\u00e9"


def test_the_program_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    program = tmp_path / "dangerous.py"
    program.write_text(
        textwrap.dedent(
            f"""\
            import pathlib
            pathlib.Path({str(marker)!r}).write_text("module")
            raise SystemExit("module-level code ran")

            def decorate(function):
                pathlib.Path({str(marker)!r}).write_text("decorator")
                return function

            class Year(int):
                pathlib.Path({str(marker)!r}).write_text("class body")

            @decorate
            def main(
                year: (pathlib.Path({str(marker)!r}).write_text("annotation") and int) = (
                    pathlib.Path({str(marker)!r}).write_text("default")
                ),
                region: "__import__('os').system('touch {marker}')" = "north",
            ) -> Year:
                pathlib.Path({str(marker)!r}).write_text("body")
            """
        )
    )
    sig = read_signature(program)

    assert not marker.exists()
    assert "dangerous" not in sys.modules
    year, region = sig.parameters
    assert (year.spec.type, year.has_default, year.default_known) == (STR, True, False)
    assert (region.spec.type, region.default) == (STR, "north")
    assert sig.returns is not None and sig.returns.type is OBJ


def test_the_signature_is_json() -> None:
    sig = signature(
        """\
        def main(
            region: Literal["n", "s"],
            years: list[int] = [2023, 2024],
            day: date | None = None,
        ) -> dict[str, object]:
            '''Report.

            Args:
                region: where.
            '''
        """
    )

    document = json.loads(json.dumps(sig.to_json(), allow_nan=False))

    assert document["has_main"] is True
    region, years, day = document["parameters"]
    assert region == {
        "name": "region",
        "type": "string",
        "items": None,
        "choices": ["n", "s"],
        "nullable": False,
        "annotation": "Literal['n', 's']",
        "note": "",
        "kind": "positional_or_keyword",
        "required": True,
        "has_default": False,
        "default_known": False,
        "default": None,
        "description": "where.",
    }
    assert (years["type"], years["items"], years["default"]) == ("list", "integer", [2023, 2024])
    assert (day["type"], day["nullable"], day["required"]) == ("date", True, False)
    assert document["returns"]["type"] == "object"
    assert document["summary"] == "Report."


def test_the_shipped_samples() -> None:
    hello = read_signature(SAMPLES / "hello.py")
    regions = read_signature(SAMPLES / "regions.py")

    assert [(p.name, p.spec.type, p.default) for p in hello.parameters] == [
        ("name", STR, "world"),
        ("times", INT, 1),
    ]
    assert [(p.name, p.spec.type, p.default) for p in regions.parameters] == [
        ("year", INT, 2024),
        ("regions", STR, "north,south,east,west"),
    ]
    for sig in (hello, regions):
        assert sig.has_main and not sig.notes
        assert sig.returns is not None and sig.returns.type is OBJ
        assert sig.summary and sig.module_summary
        assert all(not p.required and not p.spec.note for p in sig.parameters)
        json.dumps(sig.to_json(), allow_nan=False)
