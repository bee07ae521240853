"""Walking a job document's graph: its flows, the nodes where they sit, edges' order.

A job is a flow of nodes and edges; ``parallel``, ``foreach`` and ``loop`` nodes hold flows of
their own. These functions see the document's structure only (no types, no components): every
node with its path in the document and the containers around it (:func:`placed_nodes`), every
flow (:func:`flows`), what may run before a node (:func:`ancestors`), the edges' cycles
(:func:`cycles`) and the rights running a node needs (:func:`rights_needed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from baton.jobs.model import (
    CommandNode,
    Flow,
    ForeachNode,
    JobNode,
    LoopNode,
    Node,
    ParallelNode,
    ProgramNode,
)


@dataclass(frozen=True)
class Placed:
    """A node where it sits: its path in the document, its flow, its enclosing containers."""

    node: Node
    path: str
    flow: Flow
    flow_path: str
    containers: tuple[Node, ...] = ()


def placed_nodes(flow: Flow, path: str = "", containers: tuple[Node, ...] = ()) -> Iterator[Placed]:
    """Every node of ``flow`` and of the flows inside it, depth first."""
    prefix = f"{path}." if path else ""
    for index, node in enumerate(flow.nodes):
        here = f"{prefix}nodes[{index}]"
        yield Placed(node, here, flow, path, containers)
        for inner, inner_path in inner_flows(node, here):
            yield from placed_nodes(inner, inner_path, (*containers, node))


def inner_flows(node: Node, path: str) -> list[tuple[Flow, str]]:
    if isinstance(node, ParallelNode):
        return [(branch, f"{path}.branches[{i}]") for i, branch in enumerate(node.branches)]
    if isinstance(node, (ForeachNode, LoopNode)):
        return [(node.body, f"{path}.body")]
    return []


def flows(flow: Flow, path: str = "") -> Iterator[tuple[Flow, str]]:
    """``flow`` and every flow inside it, with their paths."""
    yield flow, path
    prefix = f"{path}." if path else ""
    for index, node in enumerate(flow.nodes):
        for inner, inner_path in inner_flows(node, f"{prefix}nodes[{index}]"):
            yield from flows(inner, inner_path)


def successors(flow: Flow) -> dict[str, list[str]]:
    ids = {node.id for node in flow.nodes}
    following: dict[str, list[str]] = {node.id: [] for node in flow.nodes}
    for edge in flow.edges:
        if edge.source in ids and edge.target in ids:
            following[edge.source].append(edge.target)
    return following


def ancestors(flow: Flow) -> dict[str, set[str]]:
    """For each node of ``flow``, the nodes that may run before it (through edges)."""
    preceding: dict[str, set[str]] = {node.id: set() for node in flow.nodes}
    for source, targets in successors(flow).items():
        for target in targets:
            preceding[target].add(source)
    found: dict[str, set[str]] = {}
    for node_id in preceding:
        seen: set[str] = set()
        stack = list(preceding[node_id])
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(preceding.get(current, ()))
        found[node_id] = seen - {node_id}
    return found


def cycles(flow: Flow) -> list[list[str]]:
    """The cycles of ``flow``'s edges, each as the ids around it (one per set of nodes)."""
    following = successors(flow)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for start in (node.id for node in flow.nodes):
        if start in state:
            continue
        trail: list[str] = [start]
        stack: list[Iterator[str]] = [iter(following.get(start, []))]
        state[start] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[trail.pop()] = 2
                stack.pop()
                continue
            if state.get(target) == 1:
                cycle = trail[trail.index(target) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle)
            elif target not in state:
                state[target] = 1
                trail.append(target)
                stack.append(iter(following.get(target, [])))
    return found


def rights_needed(node: Node, job: str) -> list[tuple[str, str]]:
    """What running ``node`` of job ``job`` needs the right to run, as ``(kind, name)``:
    ``program`` (and its ``service`` when named), another ``job`` (a job's own name is not
    asked again), or ``host`` for a command (a command runs on a host as the spawner's
    account: operators only). Validation and the runtime ask the same questions."""
    if isinstance(node, ProgramNode):
        return [("program", node.program)] + ([("service", node.service)] if node.service else [])
    if isinstance(node, JobNode) and node.job != job:
        return [("job", node.job)]
    if isinstance(node, CommandNode):
        return [("host", node.host or "the control plane")]
    return []
