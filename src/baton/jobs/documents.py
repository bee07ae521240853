"""Reading job documents (YAML or JSON) safely, and writing them back.

A document is read with limits, before the model sees it:

- at most :data:`MAX_DOCUMENT_BYTES` bytes, UTF-8;
- YAML through the safe loader, with anchors and aliases refused (an alias "bomb" expands a
  small file into a huge one), tags other than the standard ones refused by the safe loader,
  and no more than :data:`MAX_DEPTH` levels of nesting;
- JSON with duplicate keys refused.

Then the model (``model.Job``) checks every key and value: :class:`~baton.errors.InvalidJobDocument`
lists every problem found, each with its path (``nodes[2].bindings.x``), not only the first.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from pydantic import ValidationError

from baton.errors import InvalidJobDocument
from baton.jobs.model import NODE_KINDS, Job

#: The largest document accepted, in bytes.
MAX_DOCUMENT_BYTES = 1024 * 1024
#: The deepest nesting of lists and maps.
MAX_DEPTH = 64
#: The most problems one error lists.
MAX_PROBLEMS = 100


class _SafeNoAliases(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases, with YAML 1.2 booleans: only ``true``
    and ``false`` (YAML 1.1 also reads ``on``, ``off``, ``yes`` and ``no`` as booleans, which
    would turn an edge's ``on:`` key into ``True``)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        line = f"line {mark.line + 1}" if mark is not None else "somewhere"
        if isinstance(event, yaml.AliasEvent):
            raise yaml.YAMLError(f"YAML aliases are not allowed ({line})")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise yaml.YAMLError(f"YAML anchors are not allowed (&{anchor}, {line})")
        return super().compose_node(parent, index)


_SafeNoAliases.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SafeNoAliases.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} appears twice")
        found[key] = value
    return found


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """The nesting depth of ``value`` (stops counting past ``limit``)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def parse_text(text: str | bytes, *, format: str | None = None) -> dict[str, Any]:
    """The plain data of a YAML or JSON document (``format``: "yaml", "json" or None to
    guess: JSON when it starts with ``{``).

    Raises:
        InvalidJobDocument: too large, not UTF-8, not parseable, an alias, too deep, or not a
            mapping at the top.
    """
    size = len(text if isinstance(text, bytes) else text.encode())
    if size > MAX_DOCUMENT_BYTES:
        raise InvalidJobDocument(
            [("", f"the document is {size} bytes; the limit is {MAX_DOCUMENT_BYTES}")]
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJobDocument([("", f"the document is not UTF-8: {exc.reason}")]) from None
    kind = format or ("json" if text.lstrip().startswith("{") else "yaml")
    try:
        if kind == "json":
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        elif kind == "yaml":
            data = yaml.load(text, Loader=_SafeNoAliases)  # noqa: S506 - a SafeLoader subclass
        else:
            raise InvalidJobDocument([("", f"unknown format {format!r}: yaml or json")])
    except (ValueError, yaml.YAMLError) as exc:
        message = " ".join(str(exc).split())
        raise InvalidJobDocument([("", f"not valid {kind.upper()}: {message}")]) from None
    except RecursionError:
        raise InvalidJobDocument([("", f"nested more than {MAX_DEPTH} levels deep")]) from None
    if not isinstance(data, dict):
        raise InvalidJobDocument([("", "a job document is a mapping (name, nodes, edges, ...)")])
    if _depth(data) > MAX_DEPTH:
        raise InvalidJobDocument([("", f"nested more than {MAX_DEPTH} levels deep")])
    return data


def path_of(location: tuple[int | str, ...]) -> str:
    """``("nodes", 2, "bindings", "x")`` as ``nodes[2].bindings.x``; the union members pydantic
    adds for node kinds (``program``, ``function-after[...]``) are left out."""
    path = ""
    previous: int | str | None = None
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "[" in part or (part in _UNION_TAGS and isinstance(previous, int)):
            pass  # the node kind pydantic tried (nodes[0].program.program is nodes[0].program)
        else:
            path += f".{part}" if path else part
        previous = part
    return path


_UNION_TAGS = frozenset(NODE_KINDS)


def problems_of(error: ValidationError) -> list[tuple[str, str]]:
    """Each problem of a model validation error: its path and a sentence."""
    problems: list[tuple[str, str]] = []
    for item in error.errors(include_url=False)[:MAX_PROBLEMS]:
        location = tuple(item["loc"])
        if item["type"] == "extra_forbidden":
            problems.append((path_of(location), f"unknown key {str(location[-1])!r}"))
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "union_tag_invalid":
            message = f"unknown node kind; one of {', '.join(sorted(_UNION_TAGS))}"
        problems.append((path_of(location), message))
    return problems


def load_job(text: str | bytes, *, format: str | None = None) -> Job:
    """The job of a YAML or JSON document.

    Raises:
        InvalidJobDocument: every problem found, each with its path.
    """
    return job_of(parse_text(text, format=format))


def job_of(data: Any) -> Job:
    """The job of already parsed data (a JSON request body).

    Raises:
        InvalidJobDocument: every problem found, each with its path.
    """
    if not isinstance(data, dict):
        raise InvalidJobDocument([("", "a job document is a mapping (name, nodes, edges, ...)")])
    if _depth(data) > MAX_DEPTH:
        raise InvalidJobDocument([("", f"nested more than {MAX_DEPTH} levels deep")])
    try:
        return Job.model_validate(data)
    except ValidationError as exc:
        raise InvalidJobDocument(problems_of(exc)) from None


#: The order of a document's top-level keys when written.
_JOB_KEYS = ("name", "description", "inputs", "outputs", "variables", "settings", "nodes", "edges")


def to_data(job: Job) -> dict[str, Any]:
    """The job as plain JSON data, as stored and shown: defaults left out, edges with
    ``from``/``to``, a node's ``id`` and ``kind`` first, bindings in their short form."""
    data = job.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    ordered = {key: data[key] for key in _JOB_KEYS if key in data}
    ordered["nodes"] = [_node_data(node) for node in ordered.get("nodes", [])]
    return ordered


def _node_data(node: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = {key: node[key] for key in ("id", "kind") if key in node}
    rest = {key: value for key, value in node.items() if key not in first}
    if "bindings" in rest:
        rest["bindings"] = {name: _short(b) for name, b in rest["bindings"].items()}
    for key in ("body",):
        if isinstance(rest.get(key), dict):
            rest[key] = _flow_data(rest[key])
    if isinstance(rest.get("branches"), list):
        rest["branches"] = [_flow_data(branch) for branch in rest["branches"]]
    return {**first, **rest}


def _flow_data(flow: dict[str, Any]) -> dict[str, Any]:
    return {**flow, "nodes": [_node_data(node) for node in flow.get("nodes", [])]}


def _short(binding: dict[str, Any]) -> Any:
    """A binding's short form when it has one: an expression as its text, a literal that is
    not a string as itself."""
    if set(binding) == {"expr"}:
        return binding["expr"]
    if set(binding) == {"value"} and not isinstance(binding["value"], (str, dict)):
        return binding["value"]
    return binding


def to_yaml(job: Job) -> str:
    """The job as a YAML document, keys in the model's order."""
    return yaml.safe_dump(to_data(job), sort_keys=False, allow_unicode=True, width=100)
