// The graph of a version diff: the newer version's top-level nodes and edges, each marked added,
// changed or unchanged, plus the older version's removed ones (ghosted), laid out where the
// documents put them or, when a node has no position, in layers from the sources on.

import type { DiffView } from "./HistoryApi";
import type { JobDocument, JobEdge, JobNode, Position } from "./types";

export type Change = "added" | "removed" | "changed" | "unchanged";

export const CHANGE_LABELS: Record<Change, string> = {
  added: "added",
  removed: "removed",
  changed: "changed",
  unchanged: "unchanged",
};

export interface DiffNode {
  id: string;
  kind: string;
  name: string;
  change: Change;
  /** The node's keys that differ (changed nodes). */
  keys: string[];
  /** How many nodes inside it (a container's body or branches) were added, removed or changed. */
  inner: number;
  position: Position;
}

export interface DiffEdge {
  id: string;
  from: string;
  to: string;
  on: string;
  change: Exclude<Change, "changed">;
}

export interface DiffGraph {
  nodes: DiffNode[];
  edges: DiffEdge[];
}

// Left to right, as the designer's canvas draws a flow.
const COLUMN = 240;
const ROW = 100;

function innerIds(node: JobNode): string[] {
  const flows: unknown[] = [];
  if (typeof node.body === "object" && node.body !== null) flows.push(node.body);
  if (Array.isArray(node.branches)) flows.push(...(node.branches as unknown[]));
  const ids: string[] = [];
  for (const flow of flows) {
    const nodes = (flow as { nodes?: unknown }).nodes;
    if (!Array.isArray(nodes)) continue;
    for (const child of nodes as JobNode[]) {
      if (typeof child?.id === "string") ids.push(child.id, ...innerIds(child));
    }
  }
  return ids;
}

function edgeKey(edge: JobEdge): string {
  return JSON.stringify([edge.from, edge.to, edge.on ?? "success", edge.condition ?? "", edge.slot ?? ""]);
}

function validPosition(position: Position | null | undefined): position is Position {
  return (
    typeof position === "object" &&
    position !== null &&
    Number.isFinite(position.x) &&
    Number.isFinite(position.y)
  );
}

/** Layers from the sources on (longest path; a cycle's back edges are ignored). */
function layered(ids: string[], edges: DiffEdge[]): Map<string, Position> {
  const rank = new Map(ids.map((id) => [id, 0]));
  for (let pass = 0; pass < ids.length; pass += 1) {
    let moved = false;
    for (const edge of edges) {
      const from = rank.get(edge.from);
      const to = rank.get(edge.to);
      if (from === undefined || to === undefined || to > from) continue;
      if (from + 1 >= ids.length) continue; // a cycle: stop pushing
      rank.set(edge.to, from + 1);
      moved = true;
    }
    if (!moved) break;
  }
  const filled = new Map<number, number>();
  const positions = new Map<string, Position>();
  for (const id of ids) {
    const layer = rank.get(id) ?? 0;
    const column = filled.get(layer) ?? 0;
    filled.set(layer, column + 1);
    positions.set(id, { x: layer * COLUMN, y: column * ROW });
  }
  return positions;
}

/** The diff graph of `older` -> `newer` as the Design Server's `diff` describes it. */
export function diffGraph(older: JobDocument, newer: JobDocument, diff: DiffView): DiffGraph {
  const added = new Set(diff.nodes.added);
  const removed = new Set(diff.nodes.removed);
  const changedKeys = new Map(diff.nodes.changed.map((change) => [change.id, change.keys]));
  const touched = (id: string) => added.has(id) || removed.has(id) || changedKeys.has(id);

  const describe = (node: JobNode, change: Change): DiffNode => {
    const inner = innerIds(node).filter(touched).length;
    return {
      id: node.id,
      kind: String(node.kind),
      name: typeof node.name === "string" ? node.name : "",
      change: change === "unchanged" && inner > 0 ? "changed" : change,
      keys: changedKeys.get(node.id) ?? [],
      inner,
      position: { x: 0, y: 0 },
    };
  };
  const shown = newer.nodes.map((node) =>
    describe(node, added.has(node.id) ? "added" : changedKeys.has(node.id) ? "changed" : "unchanged"),
  );
  const present = new Set(shown.map((node) => node.id));
  const ghosts = older.nodes
    .filter((node) => removed.has(node.id) && !present.has(node.id))
    .map((node) => describe(node, "removed"));
  const nodes = [...shown, ...ghosts];
  const ids = new Set(nodes.map((node) => node.id));

  const oldEdges = new Map((older.edges ?? []).map((edge) => [edgeKey(edge), edge]));
  const newEdges = new Map((newer.edges ?? []).map((edge) => [edgeKey(edge), edge]));
  const edges: DiffEdge[] = [];
  const push = (key: string, edge: JobEdge, change: DiffEdge["change"]) => {
    if (!ids.has(edge.from) || !ids.has(edge.to)) return;
    edges.push({ id: key, from: edge.from, to: edge.to, on: edge.on ?? "success", change });
  };
  for (const [key, edge] of newEdges) push(key, edge, oldEdges.has(key) ? "unchanged" : "added");
  for (const [key, edge] of oldEdges) if (!newEdges.has(key)) push(key, edge, "removed");

  const documented = new Map<string, Position>();
  for (const node of newer.nodes) if (validPosition(node.position)) documented.set(node.id, node.position);
  for (const node of older.nodes) {
    if (!documented.has(node.id) && validPosition(node.position)) documented.set(node.id, node.position);
  }
  const allPlaced = nodes.every((node) => documented.has(node.id));
  const positions = allPlaced ? documented : layered([...ids], edges);
  for (const node of nodes) node.position = { ...(positions.get(node.id) ?? { x: 0, y: 0 }) };
  if (allPlaced) {
    // A removed node drawn where a new one now stands would hide it: move it aside.
    for (const ghost of nodes.filter((node) => node.change === "removed")) {
      const clash = shown.some(
        (node) =>
          Math.abs(node.position.x - ghost.position.x) < 60 &&
          Math.abs(node.position.y - ghost.position.y) < 40,
      );
      if (clash) ghost.position = { x: ghost.position.x + 40, y: ghost.position.y + 50 };
    }
  }
  return { nodes, edges };
}

/** A node's change in words, for its label and for screen readers. */
export function changeWords(node: DiffNode): string {
  if (node.change === "changed") {
    const parts = [...node.keys];
    if (node.inner > 0) parts.push(`${node.inner} inside`);
    return parts.length ? `changed: ${parts.join(", ")}` : "changed";
  }
  return CHANGE_LABELS[node.change];
}
