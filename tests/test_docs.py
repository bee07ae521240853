"""The documentation agrees with the code: the registry diagram, the error table, the settings.

A model change without ``make docs``, a new error class without a row in docs/errors.md, or a
new setting missing from the README fails here.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import pytest
from pydantic import BaseModel, SecretStr
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

import baton.errors
from baton.api.errors import STATUS
from baton.cli.exits import EXIT_CODES
from baton.errors import BatonError
from baton.settings import Settings

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def erd() -> Iterator[ModuleType]:
    """docs/erd.py, imported from its path (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("baton_docs_erd", DOCS / "erd.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def copy_docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("registry.md", "registry-erd.svg"):
        shutil.copyfile(DOCS / name, docs / name)
    return docs


def changed_models(metadata: MetaData) -> MetaData:
    """The registry's tables plus one more, as a model change would add."""
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    Table(
        "widgets",
        changed,
        Column("id", Integer, primary_key=True),
        Column("name", String(64), unique=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE")),
    )
    return changed


# --- the registry diagram --------------------------------------------------------------------


def test_registry_diagram_is_current(erd: ModuleType) -> None:
    assert erd.stale(DOCS, erd.default_metadata()) == [], "run `make docs` and commit the result"


def test_a_model_change_makes_the_diagrams_stale(erd: ModuleType, tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    changed = changed_models(erd.default_metadata())

    problems = erd.stale(docs, changed)

    assert any("registry.md" in problem for problem in problems)
    assert any("registry-erd.svg" in problem for problem in problems)


def test_regenerating_the_markdown_makes_it_current(erd: ModuleType, tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    changed = changed_models(erd.default_metadata())
    before = (docs / "registry.md").read_text()

    warnings = erd.write(docs, changed, None)  # no Graphviz: the SVG stays as it was

    after = (docs / "registry.md").read_text()
    assert "    widgets {" in after
    assert 'users ||..o{ widgets : "user_id, on delete cascade"' not in after  # nullable FK
    assert 'users |o..o{ widgets : "user_id, on delete cascade"' in after
    # Only the generated section changed; the prose around it is kept.
    assert after.split("<!-- erd:start -->")[0] == before.split("<!-- erd:start -->")[0]
    assert after.split("<!-- erd:end -->")[1] == before.split("<!-- erd:end -->")[1]
    assert [problem for problem in erd.stale(docs, changed) if "registry.md" in problem] == []
    assert warnings and "registry-erd.svg" in warnings[0]


def test_the_output_depends_on_the_models_only(erd: ModuleType) -> None:
    metadata = erd.default_metadata()
    reordered = MetaData()
    for table in reversed(list(metadata.tables.values())):
        table.to_metadata(reordered)

    assert erd.render_mermaid(metadata) == erd.render_mermaid(reordered)
    assert erd.render_dot(metadata) == erd.render_dot(reordered)


def test_check_command_exits_1_on_stale_docs(erd: ModuleType, tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    markdown = docs / "registry.md"
    markdown.write_text(markdown.read_text().replace("varchar(64) name UK", "text name", 1))
    script = str(DOCS / "erd.py")

    stale = subprocess.run(
        [sys.executable, script, "--check", "--docs", str(docs)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    current = subprocess.run(
        [sys.executable, script, "--check"], capture_output=True, text=True, timeout=60
    )

    assert stale.returncode == 1
    assert "out of date" in stale.stderr
    assert current.returncode == 0, current.stderr


# --- the error table ---------------------------------------------------------------------------


def error_classes() -> list[type[BatonError]]:
    """BatonError and every subclass defined in baton.errors."""
    found: list[type[BatonError]] = []
    pending: list[type[BatonError]] = [BatonError]
    while pending:
        cls = pending.pop()
        if cls.__module__ == baton.errors.__name__:
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__name__)


def nearest(table: Mapping[type[BatonError], T], cls: type[BatonError]) -> T:
    return next(table[base] for base in cls.__mro__ if base in table)


def error_rows() -> dict[str, list[str]]:
    """The rows of docs/errors.md's table, by error class name."""
    rows: dict[str, list[str]] = {}
    for line in (DOCS / "errors.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(\w+)`", cells[0]) if line.startswith("|") else None
        if match:
            rows[match.group(1)] = cells
    return rows


@pytest.mark.parametrize("cls", error_classes(), ids=lambda cls: cls.__name__)
def test_every_error_is_documented(cls: type[BatonError]) -> None:
    row = error_rows().get(cls.__name__)

    assert row is not None, f"docs/errors.md has no row for {cls.__name__}"
    _, parent, code, status, exit_status, _meaning = row
    expected_parent = "" if cls is BatonError else f"`{cls.__bases__[0].__name__}`"
    assert parent.replace("—", "") == expected_parent
    assert code == f"`{cls.code}`"
    assert status == str(nearest(STATUS, cls))
    assert exit_status.split()[0] == str(int(nearest(EXIT_CODES, cls)))


# --- the settings table ------------------------------------------------------------------------


def setting_rows() -> list[tuple[str, str, object]]:
    """``(key, environment variable, default)`` of every setting, sections flattened."""
    rows: list[tuple[str, str, object]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name}.")
                continue
            key = f"{prefix}{name}"
            default = field.get_default(call_default_factory=True)
            rows.append((key, "BATON_" + key.replace(".", "__").upper(), default))

    walk(Settings, "")
    return rows


def shown(default: object) -> str:
    if default is None:
        return "not set"
    if isinstance(default, SecretStr):  # pragma: no cover - no secret has a default today
        return "`********`"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


@pytest.mark.parametrize(("key", "variable", "default"), setting_rows(), ids=lambda v: str(v))
def test_every_setting_is_in_the_readme(key: str, variable: str, default: object) -> None:
    rows = {
        cells[0]: cells
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("| `")
        for cells in [[cell.strip() for cell in line.strip().strip("|").split("|")]]
    }

    row = rows.get(f"`{key}`")

    assert row is not None, f"README.md's settings table has no row for {key}"
    assert row[1] == f"`{variable}`"
    assert row[2].startswith(shown(default)), f"{key}: README says {row[2]}, code says {default}"
