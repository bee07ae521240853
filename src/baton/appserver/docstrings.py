"""Google-style docstrings: the summary, the prose, and the ``Args:`` and ``Returns:`` sections.

Only what forms and the job designer show is read: a parameter's description is the text after
``name:`` (or ``name (type):``) in ``Args:`` (also spelt ``Arguments:``, ``Parameters:``,
``Params:``), continued on the lines indented below it. Any other section header (a capitalised
word or two and a colon alone on a line, at the docstring's own indentation) ends a section.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"([A-Z][A-Za-z]*(?: [A-Za-z]+)?):")
_ENTRY = re.compile(r"\**(\w+)\s*(?:\([^)]*\))?\s*:(.*)")
_ARGS = {"Args", "Arguments", "Parameters", "Params"}
_RETURNS = {"Returns", "Return", "Yields"}


@dataclass(frozen=True)
class Docstring:
    """The parts of a docstring a program's callers see.

    Attributes:
        summary: the first paragraph, on one line.
        description: the prose before the first section, paragraphs separated by a blank line.
        params: each documented parameter's description, on one line.
        returns: the ``Returns:`` section, on one line.
    """

    summary: str = ""
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)
    returns: str = ""


def parse_docstring(text: str | None) -> Docstring:
    """Read ``text`` (a docstring, raw or cleaned) as a Google-style docstring."""
    if not text:
        return Docstring()
    lines = inspect.cleandoc(text).splitlines()
    prose: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        header = _HEADER.fullmatch(line.rstrip())
        if header and not line[:1].isspace():
            current = sections.setdefault(header.group(1), [])
        elif current is None:
            prose.append(line)
        else:
            current.append(line)
    paragraphs = [" ".join(chunk.split()) for chunk in "\n".join(prose).split("\n\n")]
    paragraphs = [paragraph for paragraph in paragraphs if paragraph]
    args = next((sections[name] for name in _ARGS if name in sections), [])
    returns = next((sections[name] for name in _RETURNS if name in sections), [])
    return Docstring(
        summary=paragraphs[0] if paragraphs else "",
        description="\n\n".join(paragraphs),
        params=_entries(args),
        returns=" ".join(" ".join(returns).split()),
    )


def _entries(lines: list[str]) -> dict[str, str]:
    """``name: text`` entries at the section's first indentation; deeper lines continue them."""
    entries: dict[str, list[str]] = {}
    indent: int | None = None
    current: list[str] | None = None
    for line in lines:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if indent is None:
            indent = depth
        match = _ENTRY.fullmatch(line.strip())
        if depth <= indent and match:
            current = entries.setdefault(match.group(1), [])
            current.append(match.group(2))
        elif current is not None and depth > indent:
            current.append(line)
    return {name: " ".join(" ".join(parts).split()) for name, parts in entries.items()}
