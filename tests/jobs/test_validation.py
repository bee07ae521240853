"""Design-time validation: every rule, all issues at once, and never an exception."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.jobs.components import RegistryComponents
from baton.jobs.documents import load_job
from baton.jobs.model import Job, ServiceNode
from baton.jobs.ports import Port, Ports, job_ports, service_ports
from baton.jobs.scopes import ComponentMissing
from baton.jobs.types import JobType
from baton.jobs.validation import RULES, Issue, errors, validate
from baton.registry import access, users
from baton.registry.enums import Capability
from tests.conftest import Installation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ADD = Ports(
    inputs={"a": Port(JobType.INTEGER, True), "b": Port(JobType.INTEGER, True)},
    outputs={"result": JobType.INTEGER},
)
HELLO = Ports(
    inputs={"name": Port(JobType.STRING), "times": Port(JobType.INTEGER)},
    outputs={"result": JobType.object_of(None)},
)
REGIONS = Ports(inputs={}, outputs={"result": JobType.list_of(JobType.STRING)})


class Fake:
    """Components of a small world: three programs, one job, one host, one library."""

    def __init__(self, *, allowed: bool = True, jobs: dict[str, Job] | None = None) -> None:
        self.allowed = allowed
        self.jobs = jobs or {}
        self.asked: list[tuple[str, str]] = []

    def program(self, program: str, service: str | None) -> Ports:
        if service not in (None, "default"):
            raise ComponentMissing("unknown_service", f"service {service!r} does not exist")
        known = {"sample.add": ADD, "sample.hello": HELLO, "sample.regions": REGIONS}
        if program not in known:
            raise ComponentMissing("unknown_program", f"program {program!r} does not exist")
        return known[program]

    def job(self, name: str, version: int | None) -> Ports:
        if name not in self.jobs:
            raise ComponentMissing("unknown_job", f"job {name!r} does not exist")
        return job_ports(self.jobs[name])

    def service(self, node: ServiceNode) -> Ports:
        return service_ports(node)

    def has_host(self, name: str) -> bool:
        return name == "h2"

    def has_library(self, name: str) -> bool:
        return name == "drops"

    def may_run(self, kind: str, name: str) -> bool:
        self.asked.append((kind, name))
        return self.allowed


def issues_of(text: str, components: Fake | None = None) -> list[Issue]:
    return validate(load_job(text), components or Fake())


def codes(text: str, components: Fake | None = None) -> Counter[str]:
    return Counter(issue.code for issue in issues_of(text, components))


GOOD = """
name: good
inputs:
  n: {type: integer, default: 3}
  who: {type: string, required: true}
outputs:
  total: {type: integer, value: nodes.add.result}
variables:
  big: {type: boolean}
nodes:
  - {id: add, kind: program, program: sample.add, bindings: {a: inputs.n, b: 2}}
  - id: judge
    kind: expression
    assign: {big: nodes.add.result > 4}
    slots: {large: vars.big, small: "!vars.big"}
  - {id: greet, kind: program, program: sample.hello, bindings: {name: inputs.who}}
  - id: each
    kind: foreach
    items: nodes.regions.result
    collect: item + "!"
    body:
      nodes:
        - {id: say, kind: command, argv: [echo, "{{ item }}", "{{ index }}"]}
  - {id: regions, kind: program, program: sample.regions}
  - {id: pause, kind: wait, timer: {seconds: 1}, timeout: 5}
  - {id: stop, kind: terminate, status: failed, message: "small: {{ nodes.add.result }}"}
edges:
  - {from: add, to: judge}
  - {from: judge, to: greet, slot: large}
  - {from: judge, to: stop, slot: small}
  - {from: greet, to: regions}
  - {from: regions, to: each}
  - {from: each, to: pause, on: condition, condition: size(nodes.each.results) > 0}
"""


def test_a_good_job_has_no_issue() -> None:
    assert issues_of(GOOD) == []


PLANTED = """
name: planted
inputs:
  n: {type: integer, default: "three"}
variables:
  flag: {type: boolean}
nodes:
  - {id: add, kind: program, program: sample.add, bindings: {a: inputs.n}}
  - {id: greet, kind: program, program: sample.hello, bindings: {times: '"twice"'}}
  - {id: ghost, kind: program, program: sample.nope}
  - {id: check, kind: if, condition: nodes.add.result + 1}
  - {id: each, kind: foreach, items: nodes.add.result, body: {nodes: []}}
  - {id: wait, kind: wait, event: {name: go}}
  - {id: remote, kind: command, argv: [ls], host: h9}
  - {id: note, kind: expression, assign: {unknown: "1 +"}}
  - {id: lonely_a, kind: emit, event: x, bindings: {v: 1}}
  - {id: lonely_b, kind: emit, event: y, bindings: {v: 2}}
edges:
  - {from: add, to: greet}
  - {from: greet, to: ghost}
  - {from: ghost, to: check}
  - {from: check, to: each, slot: then}
  - {from: each, to: wait}
  - {from: wait, to: remote}
  - {from: remote, to: note}
  - {from: lonely_a, to: lonely_b}
  - {from: lonely_b, to: lonely_a}
"""


def test_ten_planted_mistakes_are_all_reported_with_their_codes() -> None:
    found = codes(PLANTED)
    expected = {
        "type_mismatch",  # inputs.n's default "three" is not an integer; times gets a string
        "unbound_input",  # sample.add's required b
        "unknown_program",  # sample.nope
        "not_boolean",  # if condition is an integer
        "foreach_not_list",  # foreach over an integer
        "wait_without_timeout",
        "unknown_host",  # h9
        "expression",  # "1 +" does not parse
        "unknown_variable",  # assigns `unknown`
        "cycle",  # lonely_a <-> lonely_b
        "unreachable",  # the cycle never starts
    }
    assert expected <= set(found), found
    assert found["type_mismatch"] == 2
    by_node = {(i.code, i.node) for i in issues_of(PLANTED)}
    assert ("unbound_input", "add") in by_node and ("unknown_host", "remote") in by_node
    assert ("type_mismatch", "greet") in by_node and ("not_boolean", "check") in by_node


def test_issues_name_the_path_and_say_what_is_wrong() -> None:
    issues = {i.code: i for i in issues_of(PLANTED)}
    assert issues["unbound_input"].path == "nodes[0].bindings"
    assert "required input 'b' of 'add'" in issues["unbound_input"].message
    assert issues["foreach_not_list"].path == "nodes[4].items"
    assert "integer, not a list" in issues["foreach_not_list"].message
    assert "lonely_a -> lonely_b -> lonely_a" in issues["cycle"].message or (
        "lonely_b -> lonely_a -> lonely_b" in issues["cycle"].message
    )
    mismatch = [i for i in issues_of(PLANTED) if i.code == "type_mismatch" and i.node == "greet"]
    assert mismatch[0].message == "input 'times' of 'greet' takes integer, but gets string"


def test_expressions_are_checked_against_the_variables_in_scope() -> None:
    text = """
name: scopes
inputs: {x: {type: integer}}
nodes:
  - {id: first, kind: program, program: sample.add, bindings: {a: nodes.second.result, b: inputs.y}}
  - {id: second, kind: program, program: sample.add, bindings: {a: 1, b: nodes.first.result}}
  - {id: third, kind: program, program: sample.add, bindings: {a: nodes.first.nope, b: 1}}
edges:
  - {from: first, to: second}
  - {from: second, to: third}
"""
    issues = issues_of(text)
    messages = [i.message for i in issues if i.code == "expression"]
    assert any("second" in m for m in messages)  # runs later: not in scope of first
    assert any("'y'" in m for m in messages)  # no such input
    assert any("nope" in m for m in messages)  # no such output
    assert not [i for i in issues if i.node == "second"]  # first ran before it


def test_edges_slots_and_conditions() -> None:
    text = """
name: edges
nodes:
  - {id: a, kind: if, condition: "true"}
  - {id: b, kind: emit, event: e, bindings: {v: 1}}
  - {id: c, kind: terminate}
  - {id: d, kind: emit, event: e, bindings: {v: 1}}
edges:
  - {from: a, to: b}
  - {from: a, to: c, slot: then, on: condition}
  - {from: c, to: d}
  - {from: b, to: zz}
  - {from: b, to: d, slot: then}
"""
    found = codes(text)
    assert found["edge_slot"] == 2  # a -> b names no slot; b has none
    assert found["edge_condition"] == 1
    assert found["edge_after_terminate"] == 1
    assert found["unknown_node"] == 1


def test_rights_sub_jobs_and_duplicates() -> None:
    child = load_job("name: child\ninputs: {k: {type: string, required: true}}\n")
    text = """
name: parent
nodes:
  - {id: run, kind: job, job: child, bindings: {k: 5}}
  - {id: other, kind: job, job: missing}
  - {id: add, kind: program, program: sample.add, service: elsewhere, bindings: {a: 1, b: 2}}
  - {id: dup, kind: emit, event: e, bindings: {v: 1}}
  - {id: dup, kind: emit, event: e, bindings: {v: 2}}
"""
    world = Fake(allowed=False, jobs={"child": child})
    found = codes(text, world)
    assert found["type_mismatch"] == 1  # k takes a string
    assert found["unknown_job"] == 1 and found["unknown_service"] == 1
    assert found["duplicate_node"] == 1
    assert found["not_allowed"] == 1  # the job child (missing ones are not asked about)
    assert ("job", "child") in world.asked


def test_warnings_do_not_stop_a_run() -> None:
    issues = issues_of("name: empty\ninputs: {x: {type: integer, required: true, default: 1}}\n")
    assert {i.code for i in issues} == {"empty_job", "required_with_default"}
    assert errors(issues) == []


def test_every_rule_has_a_docstring_naming_its_codes() -> None:
    for check in RULES:
        assert check.__doc__ and "``" in check.__doc__, check.__name__


NODE = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b", "c", "d"]),
        "kind": st.sampled_from(["program", "if", "emit", "foreach", "wait", "expression"]),
    },
    optional={
        "program": st.sampled_from(["sample.add", "sample.nope", "sample.hello"]),
        "condition": st.text(max_size=20),
        "event": st.just("e"),
        "items": st.text(max_size=20),
        "body": st.just({"nodes": [{"id": "z", "kind": "emit", "event": "e"}]}),
        "bindings": st.dictionaries(
            st.sampled_from(["a", "b", "name", "times", "v"]),
            st.text(max_size=15) | st.integers() | st.booleans(),
            max_size=3,
        ),
        "timeout": st.just(5),
        "timer": st.just({"seconds": 1}),
        "assign": st.dictionaries(st.sampled_from(["x", "y"]), st.text(min_size=1, max_size=10)),
    },
)
EDGE = st.fixed_dictionaries(
    {"from": st.sampled_from(["a", "b", "c", "d", "q"]), "to": st.sampled_from(["a", "b", "c"])},
    optional={
        "on": st.sampled_from(["success", "failure", "always", "condition"]),
        "condition": st.text(min_size=1, max_size=15),
        "slot": st.sampled_from(["then", "else", "x"]),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NODE, max_size=6), st.lists(EDGE, max_size=8))
def test_the_validator_never_raises(nodes: list[dict[str, object]], edges: list[object]) -> None:
    from baton.errors import InvalidJobDocument
    from baton.jobs.documents import job_of

    try:
        job = job_of({"name": "fuzz", "nodes": nodes, "edges": edges})
    except InvalidJobDocument:
        return
    issues = validate(job, Fake())
    assert all(isinstance(issue, Issue) for issue in issues)
    assert not [issue for issue in issues if issue.code == "internal"], issues


def test_registry_components_read_programs_and_rights(installation: Installation) -> None:
    """Against a real registry: the sample library's programs and the author's rights."""
    text = """
name: real
nodes:
  - {id: add, kind: program, program: sample.add, bindings: {a: 1}}
  - {id: hello, kind: program, program: sample.hello, bindings: {times: 2}}
  - {id: ghost, kind: program, program: sample.ghost}
  - {id: elsewhere, kind: program, program: sample.add, service: nowhere}
  - {id: shell, kind: command, argv: [ls]}
"""
    job = load_job(text)

    def no_jobs(session: object, name: str, version: int | None) -> Job:
        from baton.errors import NotFound

        raise NotFound("job", name)

    with installation.database.session() as session:
        admin = access.principal_for(session, users.load(session, "admin"), method="basic")
        world = RegistryComponents(session, admin, installation.settings, no_jobs)
        found = {(i.code, i.node) for i in validate(job, world)}
        assert found == {
            ("unbound_input", "add"),
            ("unknown_program", "ghost"),
            ("unknown_service", "elsewhere"),
        }
        ports = world.program("sample.hello", None)
        assert ports.inputs["times"].type == JobType.INTEGER and not ports.inputs["name"].required
        users.create_user(session, "designer", password="a-long-password")
        designer = access.principal_for(session, users.load(session, "designer"), method="basic")
        assert Capability.OPERATE not in designer.capabilities
        world = RegistryComponents(session, designer, installation.settings, no_jobs)
        refused = {(i.code, i.node) for i in validate(job, world) if i.code == "not_allowed"}
        # baton init lets every signed-in user run the sample library; commands need operate.
        assert refused == {("not_allowed", "shell")}


@pytest.mark.parametrize("name", ["daily_report.yaml", "fan_out.yaml"])
def test_the_examples_validate(name: str, installation: Installation) -> None:
    """Both examples are valid against a fresh installation (its sample programs), for the
    administrator who may run commands."""
    job = load_job((EXAMPLES / name).read_text())

    def no_jobs(session: object, name: str, version: int | None) -> Job:
        raise AssertionError("the examples use no sub-job")

    with installation.database.session() as session:
        admin = access.principal_for(session, users.load(session, "admin"), method="basic")
        world = RegistryComponents(session, admin, installation.settings, no_jobs)
        assert validate(job, world) == []
