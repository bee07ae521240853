"""Validating a job at design time: named rules, every issue found, never an exception.

:func:`validate` runs every rule of :data:`RULES` over a job and returns all the issues they
find (not just the first), each with a stable ``code``, the ``node`` it is about (when there is
one), the ``path`` in the document and a sentence. A rule is a function with a docstring that
says what it checks; the docstrings are the rules' documentation (``GET /api/jobs/rules``).

What the rules need to know of the world outside the document (does program ``sales.report``
exist, what does its ``main()`` take, may the author run it) comes from a :class:`Components`
(``components.py`` reads the registry), through the :class:`~baton.jobs.scopes.Context` the
rules share (``scopes.py``); the document's structure is walked with ``graph.py``. A job with
errors can be saved as a draft, not run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from baton.jobs import expressions
from baton.jobs.expressions import ExpressionError
from baton.jobs.graph import cycles, flows, rights_needed, successors
from baton.jobs.model import (
    Binding,
    CommandNode,
    EdgeOn,
    EmitNode,
    ExpressionNode,
    ForeachNode,
    IfNode,
    Job,
    LoopNode,
    ServiceNode,
    TerminateNode,
    Variable,
    WaitNode,
)
from baton.jobs.ports import (
    OPEN_OBJECT,
)
from baton.jobs.scopes import Components, Context
from baton.jobs.types import JobType, TypeKind, assignable, parse_type, type_of_value

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a job.

    Attributes:
        code: the rule's stable code (``type_mismatch``).
        message: a sentence naming what is wrong.
        node: the node it is about, or None.
        path: where in the document (``nodes[2].bindings.region``).
        severity: an ``error`` stops the job from running; a ``warning`` does not.
    """

    code: str
    message: str
    node: str | None = None
    path: str = ""
    severity: Severity = "error"

    def to_json(self) -> dict[str, Any]:
        """The issue as JSON."""
        return {
            "code": self.code,
            "message": self.message,
            "node": self.node,
            "path": self.path,
            "severity": self.severity,
        }


def _check(
    issues: list[Issue],
    text: str,
    scope: Mapping[str, JobType],
    *,
    node: str | None,
    path: str,
    template: bool = False,
) -> JobType | None:
    """Check one expression (or template); its type, or None after adding the issue."""
    try:
        if template:
            expressions.check_template(text, scope)
            return JobType.STRING
        return expressions.check(text, scope)
    except ExpressionError as exc:
        issues.append(Issue("expression", f"{exc.message} in {text!r}", node, path))
        return None


# --- the rules -------------------------------------------------------------------------------

Rule = Callable[[Context], list[Issue]]
RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    """Register a rule (its docstring is its documentation)."""
    RULES.append(function)
    return function


@rule
def unique_node_ids(context: Context) -> list[Issue]:
    """``duplicate_node``: node ids are unique in the whole job, containers' flows included
    (expressions name nodes by id)."""
    issues, seen = [], set()
    for placed in context.placed:
        if placed.node.id in seen:
            message = f"node id {placed.node.id!r} is used more than once"
            issues.append(Issue("duplicate_node", message, placed.node.id, f"{placed.path}.id"))
        seen.add(placed.node.id)
    return issues


@rule
def edges_join_nodes_of_one_flow(context: Context) -> list[Issue]:
    """``unknown_node``: an edge goes from a node to a node of the same flow (never into or
    out of a container's body). ``edge_slot``: an edge from an ``if`` names ``then`` or
    ``else``, one from an expression node with slots names one of them, no other edge names a
    slot. ``edge_condition``: an edge ``on: condition`` has a condition, and no other does.
    ``edge_after_terminate``: nothing follows a ``terminate`` node."""
    issues = []
    for flow, path in flows(context.job):
        nodes = {node.id: node for node in flow.nodes}
        prefix = f"{path}." if path else ""
        for index, edge in enumerate(flow.edges):
            where = f"{prefix}edges[{index}]"
            for end, name in (("from", edge.source), ("to", edge.target)):
                if name not in nodes:
                    message = f"edge {edge.source} -> {edge.target}: no node {name!r} in its flow"
                    issues.append(Issue("unknown_node", message, None, f"{where}.{end}"))
            source = nodes.get(edge.source)
            slots: set[str] | None = None
            if isinstance(source, IfNode):
                slots = {"then", "else"}
            elif isinstance(source, ExpressionNode) and source.slots:
                slots = set(source.slots)
            if slots is not None and edge.slot not in slots and edge.on is EdgeOn.SUCCESS:
                message = (
                    f"edge {edge.source} -> {edge.target} must name a slot of "
                    f"{edge.source!r}: {', '.join(sorted(slots))}"
                )
                issues.append(Issue("edge_slot", message, edge.source, f"{where}.slot"))
            elif slots is None and edge.slot is not None:
                message = f"edge {edge.source} -> {edge.target} names slot {edge.slot!r}, but "
                message += f"{edge.source!r} has no slots"
                issues.append(Issue("edge_slot", message, edge.source, f"{where}.slot"))
            if (edge.on is EdgeOn.CONDITION) != (edge.condition is not None):
                message = (
                    f"edge {edge.source} -> {edge.target}: on: condition needs a condition"
                    if edge.on is EdgeOn.CONDITION
                    else f"edge {edge.source} -> {edge.target} has a condition but is on: "
                    f"{edge.on.value}"
                )
                issues.append(Issue("edge_condition", message, edge.source, where))
            if isinstance(source, TerminateNode):
                message = f"nothing may follow terminate node {edge.source!r}"
                issues.append(Issue("edge_after_terminate", message, edge.source, where))
    return issues


@rule
def no_cycles(context: Context) -> list[Issue]:
    """``cycle``: edges never lead back to a node (repeat with a ``loop`` node instead)."""
    issues = []
    for flow, path in flows(context.job):
        for cycle in cycles(flow):
            ring = " -> ".join([*cycle, cycle[0]])
            message = f"the edges make a cycle: {ring} (use a loop node to repeat)"
            issues.append(Issue("cycle", message, cycle[0], f"{path}.edges" if path else "edges"))
    return issues


@rule
def reachable(context: Context) -> list[Issue]:
    """``unreachable``: every node can be reached from a node that starts its flow (one with
    no incoming edge); a flow where every node has one never starts."""
    issues = []
    for flow, _ in flows(context.job):
        if not flow.nodes:
            continue
        following = successors(flow)
        targets = {target for targets in following.values() for target in targets}
        starts = [node.id for node in flow.nodes if node.id not in targets]
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(following.get(current, []))
        for placed in context.placed:
            if placed.flow is flow and placed.node.id not in seen:
                message = f"node {placed.node.id!r} can never run: no path leads to it"
                issues.append(Issue("unreachable", message, placed.node.id, placed.path))
    return issues


@rule
def components_exist(context: Context) -> list[Issue]:
    """``unknown_program``, ``unknown_service``, ``unknown_job``, ``openapi_unavailable``:
    every program, dispatcher service, job and OpenAPI document a node names exists and can
    be read. ``unknown_host``: a command's host is registered. ``unknown_library``: a file
    wait's folder is a registered library."""
    issues = []
    for placed in context.placed:
        node = placed.node
        missing = context.missing.get(node.id)
        if missing is not None:
            issues.append(Issue(missing.code, missing.message, node.id, placed.path))
        if (
            isinstance(node, CommandNode)
            and node.host
            and not context.components.has_host(node.host)
        ):
            message = f"host {node.host!r} is not registered"
            issues.append(Issue("unknown_host", message, node.id, f"{placed.path}.host"))
        if (
            isinstance(node, WaitNode)
            and node.file is not None
            and not context.components.has_library(node.file.library)
        ):
            message = f"library {node.file.library!r} is not registered"
            issues.append(Issue("unknown_library", message, node.id, f"{placed.path}.file"))
    return issues


@rule
def author_may_run_components(context: Context) -> list[Issue]:
    """``not_allowed``: the author may run every program, dispatcher service and job the job
    uses, and commands only with the ``operate`` capability (a command runs on a host as the
    spawner's launch account); the runner checks again when it runs."""
    issues = []
    for placed in context.placed:
        node = placed.node
        if node.id in context.missing:
            continue
        for kind, name in rights_needed(node, context.job.name):
            if not context.components.may_run(kind, name):
                message = f"the author may not run {kind} {name!r}"
                issues.append(Issue("not_allowed", message, node.id, placed.path))
    return issues


@rule
def bindings_fit_inputs(context: Context) -> list[Issue]:
    """``unbound_input``: every required input of a component is bound. ``unknown_input``: a
    binding names an input the component has (unless it takes any). ``type_mismatch``: the
    bound expression's or value's type fits the input's. ``expression``: a binding's
    expression parses and type-checks in the node's scope. ``empty_binding``: a binding gives
    an expression or a value."""
    issues = []
    for placed in context.placed:
        node = placed.node
        ports = context.ports.get(node.id)
        scope = context.scope_for(placed)
        for name, binding in node.bindings.items():
            where = f"{placed.path}.bindings.{name}"
            port = ports.inputs.get(name) if ports is not None else None
            if ports is not None and port is None and not ports.open_inputs:
                accepted = ", ".join(sorted(ports.inputs)) or "none"
                message = f"{node.id!r} has no input {name!r} (its inputs: {accepted})"
                issues.append(Issue("unknown_input", message, node.id, where))
                continue
            given = _binding_type(issues, binding, scope, node.id, where)
            if given is None or port is None:
                continue
            if not assignable(given, port.type):
                message = f"input {name!r} of {node.id!r} takes {port.type}, but gets {given}"
                issues.append(Issue("type_mismatch", message, node.id, where))
        if ports is None or node.disabled:
            continue
        for name, port in ports.inputs.items():
            if port.required and name not in node.bindings:
                message = f"required input {name!r} of {node.id!r} is not bound"
                issues.append(Issue("unbound_input", message, node.id, f"{placed.path}.bindings"))
    return issues


def _binding_type(
    issues: list[Issue], binding: Binding, scope: Mapping[str, JobType], node: str, where: str
) -> JobType | None:
    if binding.expr is not None:
        found = _check(issues, binding.expr, scope, node=node, path=where)
        if found is not None and found.kind is TypeKind.NULL and binding.default is not None:
            return type_of_value(binding.default)
        return found
    if binding.value is None:
        issues.append(Issue("empty_binding", "a binding needs an expr or a value", node, where))
        return None
    return type_of_value(binding.value)


@rule
def expressions_check(context: Context) -> list[Issue]:
    """``expression``: every condition, assignment, slot, item list, filter, template and
    output expression parses and type-checks against the variables in its scope.
    ``not_boolean``: conditions (``if``, ``loop``, edges, slots, filters) are booleans.
    ``foreach_not_list``: a foreach's items are a list. ``unknown_variable``: an expression
    node assigns declared job variables only, with values of their types
    (``type_mismatch``)."""
    issues: list[Issue] = []
    for placed in context.placed:
        node, path = placed.node, placed.path
        scope = context.scope_for(placed)
        conditions: list[tuple[str, str]] = []
        templates: list[tuple[str, str]] = []
        if isinstance(node, IfNode):
            conditions.append((node.condition, f"{path}.condition"))
        elif isinstance(node, LoopNode):
            inner = {**scope, "iteration": JobType.INTEGER}
            _boolean(issues, node.condition, inner, node.id, f"{path}.condition")
        elif isinstance(node, ExpressionNode):
            conditions += [(text, f"{path}.slots.{slot}") for slot, text in node.slots.items()]
            _assignments(issues, context, node, scope, path)
        elif isinstance(node, ForeachNode):
            items = _check(issues, node.items, scope, node=node.id, path=f"{path}.items")
            if items is not None and items.kind not in (TypeKind.LIST, TypeKind.ANY):
                message = f"foreach {node.id!r} goes over {node.items!r}, a {items}, not a list"
                issues.append(Issue("foreach_not_list", message, node.id, f"{path}.items"))
            if node.collect is not None:
                _check(
                    issues,
                    node.collect,
                    context.scope_inside(node),
                    node=node.id,
                    path=f"{path}.collect",
                )
        elif isinstance(node, WaitNode):
            if node.event is not None and node.event.filter is not None:
                inner = {**scope, "event": OPEN_OBJECT}
                _boolean(issues, node.event.filter, inner, node.id, f"{path}.event.filter")
            if node.timer is not None and node.timer.until is not None:
                found = _check(
                    issues, node.timer.until, scope, node=node.id, path=f"{path}.timer.until"
                )
                if found is not None and found.kind not in (TypeKind.DATETIME, TypeKind.ANY):
                    message = f"timer.until must give a datetime, not {found}"
                    issues.append(Issue("type_mismatch", message, node.id, f"{path}.timer.until"))
        elif isinstance(node, CommandNode):
            templates += [(arg, f"{path}.argv[{i}]") for i, arg in enumerate(node.argv)]
            templates += [(value, f"{path}.env.{name}") for name, value in node.env.items()]
        elif isinstance(node, ServiceNode):
            templates.append((node.url, f"{path}.url"))
            templates += [(v, f"{path}.headers.{k}") for k, v in node.headers.items()]
        elif isinstance(node, TerminateNode) and node.message:
            templates.append((node.message, f"{path}.message"))
        for text, where in conditions:
            _boolean(issues, text, scope, node.id, where)
        for text, where in templates:
            _check(issues, text, scope, node=node.id, path=where, template=True)
    for flow, flow_path in flows(context.job):
        prefix = f"{flow_path}." if flow_path else ""
        placed_by_id = {p.node.id: p for p in context.placed if p.flow is flow}
        for index, edge in enumerate(flow.edges):
            source = placed_by_id.get(edge.source)
            if edge.condition is None or source is None:
                continue
            scope = context.scope_for(source)
            scope["nodes"] = JobType.object_of(
                {**(scope["nodes"].fields or {}), source.node.id: context.outputs_of(edge.source)}
            )
            _boolean(issues, edge.condition, scope, None, f"{prefix}edges[{index}].condition")
    end = context.end_scope()
    for name, output in context.job.outputs.items():
        where = f"outputs.{name}.value"
        found = _check(issues, output.value, end, node=None, path=where)
        wanted = parse_type(output.type)
        if found is not None and not assignable(found, wanted):
            message = f"output {name!r} is a {wanted}, but its value is a {found}"
            issues.append(Issue("type_mismatch", message, None, where))
    return issues


def _boolean(
    issues: list[Issue], text: str, scope: Mapping[str, JobType], node: str | None, where: str
) -> None:
    found = _check(issues, text, scope, node=node, path=where)
    if found is not None and found.kind not in (TypeKind.BOOLEAN, TypeKind.ANY):
        message = f"the condition {text!r} is a {found}, not a boolean"
        issues.append(Issue("not_boolean", message, node, where))


def _assignments(
    issues: list[Issue],
    context: Context,
    node: ExpressionNode,
    scope: Mapping[str, JobType],
    path: str,
) -> None:
    for name, text in node.assign.items():
        where = f"{path}.assign.{name}"
        found = _check(issues, text, scope, node=node.id, path=where)
        variable = context.job.variables.get(name)
        if variable is None:
            known = ", ".join(sorted(context.job.variables)) or "none"
            message = f"{node.id!r} assigns {name!r}, which is not a job variable (declared: "
            issues.append(Issue("unknown_variable", message + f"{known})", node.id, where))
        elif found is not None and not assignable(found, parse_type(variable.type)):
            message = f"variable {name!r} is a {variable.type}, but {node.id!r} assigns a {found}"
            issues.append(Issue("type_mismatch", message, node.id, where))


@rule
def waits_have_a_timeout(context: Context) -> list[Issue]:
    """``wait_without_timeout``: a ``wait`` node has a timeout (a run never waits forever).
    ``wait_trigger``: it waits for exactly one of an event, a timer or a file."""
    issues = []
    for placed in context.placed:
        node = placed.node
        if not isinstance(node, WaitNode):
            continue
        if node.timeout is None:
            message = f"wait node {node.id!r} has no timeout"
            issues.append(Issue("wait_without_timeout", message, node.id, placed.path))
        triggers = [t for t in (node.event, node.timer, node.file) if t is not None]
        if len(triggers) != 1:
            message = f"wait node {node.id!r} must wait for one of event, timer or file"
            issues.append(Issue("wait_trigger", message, node.id, placed.path))
        elif node.timer is not None and (node.timer.seconds is None) == (node.timer.until is None):
            message = f"the timer of {node.id!r} needs one of seconds or until"
            issues.append(Issue("wait_trigger", message, node.id, f"{placed.path}.timer"))
    return issues


@rule
def defaults_fit_types(context: Context) -> list[Issue]:
    """``type_mismatch``: a declared input's or variable's default fits its type.
    ``required_with_default``: an input is not both required and defaulted (warning)."""
    issues = []
    for section, variables in (
        ("inputs", context.job.inputs),
        ("variables", context.job.variables),
    ):
        for name, variable in variables.items():
            issues += _default_issues(section, name, variable)
    return issues


def _default_issues(section: str, name: str, variable: Variable) -> list[Issue]:
    issues = []
    where = f"{section}.{name}"
    if variable.default is not None:
        wanted = parse_type(variable.type)
        if not assignable(type_of_value(variable.default), wanted):
            message = f"the default of {name!r} ({variable.default!r}) is not a {wanted}"
            issues.append(Issue("type_mismatch", message, None, f"{where}.default"))
        if variable.required:
            message = f"{name!r} is required and has a default: the default is never used"
            issues.append(Issue("required_with_default", message, None, where, "warning"))
    return issues


@rule
def emits_and_terminates(context: Context) -> list[Issue]:
    """``expression``: an ``emit`` node's payload bindings type-check (they may name any
    field). ``empty_job``: a job with no node does nothing (warning)."""
    issues = []
    if not context.job.nodes:
        issues.append(Issue("empty_job", "the job has no nodes", None, "nodes", "warning"))
    for placed in context.placed:
        if isinstance(placed.node, EmitNode) and not placed.node.bindings:
            message = f"emit node {placed.node.id!r} sends an empty payload"
            issues.append(Issue("empty_payload", message, placed.node.id, placed.path, "warning"))
    return issues


def validate(job: Job, components: Components) -> list[Issue]:
    """Every issue of ``job``, by every rule; never raises (a rule that fails is reported as
    an ``internal`` issue)."""
    try:
        context = Context(job, components)
    except Exception as exc:  # pragma: no cover - the context reads components defensively
        return [Issue("internal", f"the job could not be read for validation: {exc}")]
    issues: list[Issue] = []
    for check in RULES:
        try:
            issues += check(context)
        except Exception as exc:  # a rule's bug must not hide the others' issues
            issues.append(Issue("internal", f"rule {check.__name__} failed: {exc}"))
    return issues


def errors(issues: Sequence[Issue]) -> list[Issue]:
    """The issues that stop a job from running."""
    return [issue for issue in issues if issue.severity == "error"]


def rules_documentation() -> list[dict[str, str]]:
    """Each rule's name and docstring."""
    return [
        {"rule": check.__name__, "checks": " ".join((check.__doc__ or "").split())}
        for check in RULES
    ]
