"""What validation knows beyond the document: components' ports and expression scopes.

:class:`Components` is what validation asks of the world outside the document (``components.py``
answers from the registry); :class:`Context` reads every node's ports once and gives each
expression its scope: ``inputs``, ``vars``, the outputs of the nodes that run before it
(``nodes``), and the variables of the loops around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from baton.jobs import expressions
from baton.jobs.expressions import ExpressionError
from baton.jobs.graph import Placed, ancestors, placed_nodes
from baton.jobs.model import (
    CommandNode,
    ForeachNode,
    Job,
    JobNode,
    LoopNode,
    Node,
    ParallelNode,
    ProgramNode,
    ServiceNode,
)
from baton.jobs.ports import (
    OPEN_OBJECT,
    Ports,
    command_ports,
    declared,
    fixed_ports,
    job_ports,
)
from baton.jobs.types import JobType


class ComponentMissing(Exception):
    """A component that does not exist (or cannot be read); ``code`` is the issue's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Components(Protocol):
    """What validation asks of the world outside the document."""

    def program(self, program: str, service: str | None) -> Ports:
        """The ports of ``program`` (``library.name``) on ``service`` (None: the default).

        Raises:
            ComponentMissing: ``unknown_service`` or ``unknown_program``.
        """
        ...

    def job(self, name: str, version: int | None) -> Ports:
        """The ports of job ``name`` at ``version`` (None: its latest).

        Raises:
            ComponentMissing: ``unknown_job``.
        """
        ...

    def service(self, node: ServiceNode) -> Ports:
        """The ports of an HTTP service node (its OpenAPI operation, or its declared schema).

        Raises:
            ComponentMissing: ``openapi_unavailable``.
        """
        ...

    def has_host(self, name: str) -> bool:
        """Whether host ``name`` is registered."""
        ...

    def has_library(self, name: str) -> bool:
        """Whether program library ``name`` is registered."""
        ...

    def may_run(self, kind: str, name: str) -> bool:
        """Whether the author may run the component ``kind`` (program, service, job, host)
        called ``name``."""
        ...


@dataclass
class Context:
    """What the rules share: the job, its components' ports (read once), the scopes."""

    job: Job
    components: Components
    ports: dict[str, Ports] = field(default_factory=dict)
    missing: dict[str, ComponentMissing] = field(default_factory=dict)
    placed: list[Placed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ancestors: dict[int, dict[str, set[str]]] = {}
        self.placed = list(placed_nodes(self.job))
        for item in self.placed:
            try:
                self.ports[item.node.id] = self._read_ports(item.node)
            except ComponentMissing as exc:
                self.missing[item.node.id] = exc
            except Exception as exc:  # a broken component must not break validation
                self.missing[item.node.id] = ComponentMissing("component_unreadable", str(exc))

    def _read_ports(self, node: Node) -> Ports:
        if isinstance(node, ProgramNode):
            return self.components.program(node.program, node.service)
        if isinstance(node, JobNode):
            if node.job == self.job.name:
                return job_ports(self.job, source="this job")
            return self.components.job(node.job, node.version)
        if isinstance(node, ServiceNode):
            return self.components.service(node)
        if isinstance(node, CommandNode):
            return command_ports(node)
        if isinstance(node, ForeachNode):
            return fixed_ports(node, item=self._collected_type(node))
        return fixed_ports(node)

    def _collected_type(self, node: ForeachNode) -> JobType | None:
        if node.collect is None:
            return None
        try:
            return expressions.check(node.collect, self.scope_inside(node))
        except ExpressionError:
            return None

    # --- scopes ---

    def outputs_of(self, node_id: str) -> JobType:
        """The type of ``nodes.ID`` (an open object when its ports are unknown)."""
        ports = self.ports.get(node_id)
        if ports is None:
            return OPEN_OBJECT
        return JobType.object_of(dict(ports.outputs))

    def visible(self, placed: Placed) -> set[str]:
        """The nodes whose outputs ``placed`` may read: those that run before it in its flow
        and in the flows around it, and what is inside the parallels among them."""
        seen: set[str] = set()
        item_flow, item_id = placed.flow, placed.node.id
        levels = [(item_flow, item_id)]
        # Walk outwards: the container is the node that stands in the enclosing flow.
        by_id = {p.node.id: p for p in self.placed}
        for container in reversed(placed.containers):
            outer = by_id.get(container.id)
            if outer is not None:
                levels.append((outer.flow, container.id))
        for flow, node_id in levels:
            if id(flow) not in self._ancestors:
                self._ancestors[id(flow)] = ancestors(flow)
            for earlier in self._ancestors[id(flow)].get(node_id, set()):
                seen.add(earlier)
                seen.update(self._inside_parallel(earlier))
        return seen

    def _inside_parallel(self, node_id: str) -> set[str]:
        found: set[str] = set()
        for p in self.placed:
            if any(c.id == node_id and isinstance(c, ParallelNode) for c in p.containers):
                found.add(p.node.id)
        return found

    def base_scope(self) -> dict[str, JobType]:
        """``inputs`` and ``vars``: what every expression may read."""
        return {
            "inputs": JobType.object_of(declared(self.job.inputs)),
            "vars": JobType.object_of(declared(self.job.variables)),
        }

    def scope_for(self, placed: Placed) -> dict[str, JobType]:
        """The scope of ``placed``'s expressions (bindings, conditions, templates)."""
        scope = self.base_scope()
        scope["nodes"] = JobType.object_of(
            {node_id: self.outputs_of(node_id) for node_id in sorted(self.visible(placed))}
        )
        for container in placed.containers:
            scope.update(self._loop_variables(container))
        return scope

    def scope_inside(self, container: Node) -> dict[str, JobType]:
        """The scope at the end of a container's body (a foreach's ``collect``): what its
        body's nodes give too."""
        placed = next(p for p in self.placed if p.node.id == container.id)
        scope = self.scope_for(placed)
        scope.update(self._loop_variables(container))
        inner = [p.node.id for p in self.placed if any(c is container for c in p.containers)]
        known = dict(scope["nodes"].fields or {})
        known.update({node_id: self.outputs_of(node_id) for node_id in inner})
        scope["nodes"] = JobType.object_of(known)
        return scope

    def _loop_variables(self, container: Node) -> dict[str, JobType]:
        if isinstance(container, ForeachNode):
            items = self._items_type(container)
            return {container.variable: items.item_type(), "index": JobType.INTEGER}
        if isinstance(container, LoopNode):
            return {"iteration": JobType.INTEGER}
        return {}

    def _items_type(self, node: ForeachNode) -> JobType:
        placed = next(p for p in self.placed if p.node.id == node.id)
        try:
            return expressions.check(node.items, self.scope_for(placed))
        except ExpressionError:
            return JobType.ANY

    def end_scope(self) -> dict[str, JobType]:
        """The scope of the job's outputs: every top-level node (and inside parallels)."""
        scope = self.base_scope()
        ids = {p.node.id for p in self.placed if not p.containers}
        for node_id in list(ids):
            ids.update(self._inside_parallel(node_id))
        scope["nodes"] = JobType.object_of({i: self.outputs_of(i) for i in sorted(ids)})
        return scope
