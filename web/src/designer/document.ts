// Changes to a job document, as pure functions: the designer's state is the document itself
// (what is saved, validated and shown as YAML); the canvas is drawn from it.

import type { EdgeOn, JobDocument, JobEdge, JobNode, NodeKind, PaletteItem, Position } from "./types";

/** A node, variable or slot name (model.py IDENTIFIER). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** A job's name (routes/jobs.py JOB_NAME_PATTERN). */
export const JOB_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}(\.[A-Za-z][A-Za-z0-9_-]{0,63})*$/;
/** CEL's reserved words: a node named so could not be read as nodes.ID. */
const RESERVED = new Set(
  (
    "as break const continue else false for function if import in let loop namespace null " +
    "package return true var void while"
  ).split(" "),
);

export function emptyJob(name = ""): JobDocument {
  return { name, nodes: [], edges: [] };
}

/** An id not yet used in the document, from `base` (made an identifier). */
export function uniqueId(doc: JobDocument, base: string, numbered = false): string {
  let stem = base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([^A-Za-z_])/, "_$1").slice(0, 58);
  if (!stem) stem = "node";
  const used = new Set(doc.nodes.map((node) => node.id));
  if (!numbered && !RESERVED.has(stem) && !used.has(stem)) return stem;
  for (let n = numbered || RESERVED.has(stem) ? 1 : 2; ; n++) {
    const candidate = `${stem}_${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** The fields a new node of each kind starts with: enough to be a valid document. */
function kindFields(kind: NodeKind): Record<string, unknown> {
  switch (kind) {
    case "command":
      return { argv: ["echo", "done"] };
    case "service":
      return { method: "GET", url: "https://example.com/" };
    case "if":
      return { condition: "true" };
    case "parallel":
      return { branches: [{ nodes: [] }] };
    case "foreach":
      return { items: "[]", body: { nodes: [] } };
    case "loop":
      return { condition: "false", body: { nodes: [] } };
    case "wait":
      return { timer: { seconds: 60 }, timeout: 3600 };
    case "emit":
      return { event: "done" };
    case "terminate":
      return { status: "succeeded" };
    default:
      return {};
  }
}

/** The node a palette item becomes, placed at `position`. */
export function newNode(doc: JobDocument, item: PaletteItem, position: Position): JobNode {
  const at = { x: Math.round(position.x), y: Math.round(position.y) };
  if ("program" in item) {
    const id = uniqueId(doc, item.program.split(".").pop() ?? "program");
    return { id, kind: "program", program: item.program, position: at };
  }
  if ("job" in item) {
    const id = uniqueId(doc, item.job.split(".").pop() ?? "job");
    return { id, kind: "job", job: item.job, position: at };
  }
  const base: JobNode = { id: uniqueId(doc, item.kind, true), kind: item.kind, position: at };
  if (item.kind === "program") base.program = "";
  if (item.kind === "job") base.job = "";
  return { ...base, ...kindFields(item.kind) };
}

export function addNode(doc: JobDocument, node: JobNode): JobDocument {
  return { ...doc, nodes: [...doc.nodes, node] };
}

export function updateNode(doc: JobDocument, id: string, change: (node: JobNode) => JobNode): JobDocument {
  return { ...doc, nodes: doc.nodes.map((node) => (node.id === id ? change(node) : node)) };
}

/** Set a field, or remove it when `value` is empty (undefined, null, "", an empty object). */
export function withField<T extends object>(target: T, key: string, value: unknown): T {
  const copy = { ...target } as Record<string, unknown>;
  const empty =
    value === undefined ||
    value === null ||
    value === "" ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0);
  if (empty) delete copy[key];
  else copy[key] = value;
  return copy as T;
}

export function removeNodes(doc: JobDocument, ids: string[]): JobDocument {
  const gone = new Set(ids);
  return {
    ...doc,
    nodes: doc.nodes.filter((node) => !gone.has(node.id)),
    edges: (doc.edges ?? []).filter((edge) => !gone.has(edge.from) && !gone.has(edge.to)),
  };
}

/** Rename a node: its edges follow, and expressions that say nodes.OLD now say nodes.NEW. */
export function renameNode(doc: JobDocument, from: string, to: string): JobDocument {
  const pattern = new RegExp(`\\bnodes\\.${from}\\b`, "g");
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(pattern, `nodes.${to}`);
    if (Array.isArray(value)) return value.map(rewrite);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  const nodes = doc.nodes.map((node) => {
    const changed = rewrite(node) as JobNode;
    return node.id === from ? { ...changed, id: to } : changed;
  });
  const edges = (doc.edges ?? []).map((edge) => ({
    ...edge,
    from: edge.from === from ? to : edge.from,
    to: edge.to === from ? to : edge.to,
    condition: edge.condition ? (rewrite(edge.condition) as string) : edge.condition,
  }));
  const outputs = doc.outputs ? (rewrite(doc.outputs) as JobDocument["outputs"]) : undefined;
  return withField({ ...doc, nodes, edges }, "outputs", outputs);
}

/** The slots of a node whose edges must name one (an if's then/else, an expression's). */
export function slotsOf(node: JobNode | undefined): string[] {
  if (node?.kind === "if") return ["then", "else"];
  if (node?.kind === "expression" && node.slots && typeof node.slots === "object") {
    return Object.keys(node.slots as object);
  }
  return [];
}

/** Connect two nodes (a success edge; from a node with slots, `slot` or the first unused one). */
export function addEdge(doc: JobDocument, from: string, to: string, slot?: string | null): JobDocument {
  const edges = doc.edges ?? [];
  if (from === to) return doc;
  const slots = slotsOf(doc.nodes.find((node) => node.id === from));
  const edge: JobEdge = { from, to };
  if (slots.length > 0) {
    const taken = new Set(edges.filter((e) => e.from === from).map((e) => e.slot));
    edge.slot = slot && slots.includes(slot) ? slot : (slots.find((s) => !taken.has(s)) ?? slots[0]);
  }
  if (edges.some((e) => e.from === from && e.to === to && (e.slot ?? null) === (edge.slot ?? null))) {
    return doc;
  }
  return { ...doc, edges: [...edges, edge] };
}

/** Change when an edge is taken: a condition edge keeps a condition, the others none. */
export function edgeWithKind(edge: JobEdge, on: EdgeOn): JobEdge {
  const changed: JobEdge = { ...edge, on };
  if (on === "success") delete changed.on;
  if (on === "condition") changed.condition = edge.condition || "true";
  else delete changed.condition;
  return changed;
}

export function updateEdge(doc: JobDocument, index: number, edge: JobEdge): JobDocument {
  return { ...doc, edges: (doc.edges ?? []).map((old, i) => (i === index ? edge : old)) };
}

export function removeEdges(doc: JobDocument, indices: number[]): JobDocument {
  const gone = new Set(indices);
  return { ...doc, edges: (doc.edges ?? []).filter((_, i) => !gone.has(i)) };
}

/** Give a place to the nodes that have none: columns by depth from the start nodes. */
export function placeNodes(doc: JobDocument): JobDocument {
  if (doc.nodes.every((node) => node.position)) return doc;
  const depth = new Map<string, number>(doc.nodes.map((node) => [node.id, 0]));
  const edges = doc.edges ?? [];
  for (let pass = 0; pass < doc.nodes.length; pass++) {
    let moved = false;
    for (const edge of edges) {
      const next = (depth.get(edge.from) ?? 0) + 1;
      if (depth.has(edge.to) && next > (depth.get(edge.to) ?? 0) && next < doc.nodes.length) {
        depth.set(edge.to, next);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const rows = new Map<number, number>();
  const nodes = doc.nodes.map((node) => {
    if (node.position) return node;
    const column = depth.get(node.id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { ...node, position: { x: 40 + column * 240, y: 40 + row * 120 } };
  });
  return { ...doc, nodes };
}

/** The document without the nodes' positions: what validation depends on. */
export function withoutPositions(doc: JobDocument): JobDocument {
  return {
    ...doc,
    nodes: doc.nodes.map((node) => {
      const copy = { ...node };
      delete copy.position;
      return copy;
    }),
  };
}

/** The nodes that may run before `id` (through edges): theirs are the outputs it may read. */
export function ancestorsOf(doc: JobDocument, id: string): string[] {
  const before = new Map<string, string[]>();
  for (const edge of doc.edges ?? []) {
    before.set(edge.to, [...(before.get(edge.to) ?? []), edge.from]);
  }
  const seen = new Set<string>();
  const stack = [...(before.get(id) ?? [])];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    if (seen.has(current) || current === id) continue;
    seen.add(current);
    stack.push(...(before.get(current) ?? []));
  }
  return doc.nodes.map((node) => node.id).filter((nodeId) => seen.has(nodeId));
}
