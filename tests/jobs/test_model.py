"""Job documents: the model, the JSON Schema, and the safe loader (limits, aliases, paths)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.errors import InvalidJobDocument
from baton.jobs.documents import MAX_DOCUMENT_BYTES, load_job, to_data, to_yaml
from baton.jobs.model import (
    NODE_KINDS,
    Binding,
    ForeachNode,
    IfNode,
    ProgramNode,
    job_schema,
)

SMALL = """
name: small
description: two steps
inputs:
  region: {type: string, required: true}
  days: {type: integer, default: 7}
outputs:
  total: {type: integer, value: nodes.add.result}
nodes:
  - id: add
    kind: program
    program: sample.add
    bindings: {a: inputs.days, b: 2}
  - id: check
    kind: if
    condition: nodes.add.result > 5
  - id: each
    kind: foreach
    items: "[1, 2, 3]"
    concurrency: 2
    body:
      nodes:
        - {id: echo, kind: command, argv: [echo, "{{ item }}"]}
edges:
  - {from: add, to: check}
  - {from: check, to: each, slot: then}
"""


def problems(text: str, **kwargs: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidJobDocument) as caught:
        load_job(text, **kwargs)
    return caught.value.problems


def test_a_document_loads_with_its_nodes_edges_and_bindings() -> None:
    job = load_job(SMALL)
    assert job.name == "small" and [n.kind for n in job.nodes] == ["program", "if", "foreach"]
    add = job.nodes[0]
    assert isinstance(add, ProgramNode) and add.program == "sample.add"
    assert add.bindings == {"a": Binding(expr="inputs.days"), "b": Binding(value=2)}
    assert isinstance(job.nodes[1], IfNode)
    each = job.nodes[2]
    assert isinstance(each, ForeachNode) and each.body.nodes[0].id == "echo"
    edge = job.edges[1]
    assert (edge.source, edge.target, edge.slot) == ("check", "each", "then")


def test_written_back_it_reads_the_same_in_yaml_and_json() -> None:
    job = load_job(SMALL)
    assert load_job(to_yaml(job)) == job
    assert load_job(json.dumps(to_data(job))) == job
    data = to_data(job)
    assert list(data)[:2] == ["name", "description"]
    assert list(data["nodes"][0])[:2] == ["id", "kind"]
    assert data["nodes"][0]["bindings"] == {"a": "inputs.days", "b": 2}
    assert data["edges"][0] == {"from": "add", "to": "check"}


def test_the_schema_accepts_documents_and_names_every_node_kind() -> None:
    schema = job_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(to_data(load_job(SMALL)), schema)
    kinds = {
        definition["properties"]["kind"]["const"]
        for definition in schema["$defs"].values()
        if "kind" in definition.get("properties", {})
    }
    assert kinds == set(NODE_KINDS)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "nodes": [{"id": "a", "kind": "nope"}]}, schema)


def test_unknown_keys_are_named_with_their_path() -> None:
    found = problems(SMALL.replace("concurrency: 2", "concurrency: 2\n    colour: red"))
    assert ("nodes[2].colour", "unknown key 'colour'") in found
    found = problems(SMALL.replace("    program: sample.add", "    program: sample.add\n    x: 1"))
    assert ("nodes[0].x", "unknown key 'x'") in found


def test_every_problem_is_listed_not_just_the_first() -> None:
    text = """
name: "9bad"
inputs: {x: {type: tuple}}
nodes:
  - {id: a, kind: program, program: nodots}
  - {id: b, kind: teleport}
  - {id: c, kind: foreach, items: "[]", concurrency: 0, body: {}}
"""
    found = dict(problems(text))
    assert "name" in found
    assert "tuple" in found["inputs.x.type"]
    assert "nodes[0].program" in found
    assert "unknown node kind" in found["nodes[1]"]
    assert "nodes[2].concurrency" in found


def test_anchors_and_aliases_are_refused() -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\nname: boom\n"
    [(path, message)] = problems(bomb)
    assert path == "" and "anchors are not allowed" in message
    [(_, message)] = problems("name: x\nnodes: *nothing\n")
    assert "alias" in message


def test_huge_deep_or_broken_documents_are_refused_clearly() -> None:
    huge = "name: big\ndescription: " + "x" * MAX_DOCUMENT_BYTES
    [(_, message)] = problems(huge)
    assert f"the limit is {MAX_DOCUMENT_BYTES}" in message
    deep = "name: deep\nsettings: " + "[" * 100 + "]" * 100
    [(_, message)] = problems(deep)
    assert "nested more than" in message
    [(_, message)] = problems("name: [unclosed")
    assert message.startswith("not valid YAML")
    [(_, message)] = problems('{"name": "a", "name": "b"}')
    assert "appears twice" in message
    [(_, message)] = problems(b"name: \xff\xfe")
    assert "not UTF-8" in message
    [(_, message)] = problems("- just\n- a list\n")
    assert "a job document is a mapping" in message
    [(_, message)] = problems("name: x\n!!python/object:os.system ls: 1\n")
    assert message.startswith("not valid YAML")


def test_yaml_tags_never_build_python_objects() -> None:
    for text in (
        "name: !!python/object/apply:os.system ['true']",
        "name: !!python/name:os.system",
        "name: !custom x",
    ):
        [(_, message)] = problems(text)
        assert message.startswith("not valid YAML")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_loads_or_fails_with_an_invalid_document_error(text: str) -> None:
    try:
        load_job(text)
    except InvalidJobDocument as exc:
        assert exc.problems and all(isinstance(message, str) for _, message in exc.problems)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "nodes", "edges", "inputs", "x"]), JSON_VALUES))
def test_any_json_data_loads_or_fails_with_an_invalid_document_error(
    data: dict[str, object],
) -> None:
    try:
        load_job(json.dumps(data))
    except InvalidJobDocument as exc:
        assert exc.problems
