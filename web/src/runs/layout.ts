// Where the run graph draws each node: the document's positions when every top-level node has
// one, otherwise a layered layout (left to right, a column per longest-path rank). Containers
// (parallel, foreach, loop) are drawn as boxes holding their own flows; a parallel's branches
// are lanes stacked inside it.

import type { DocEdge, DocFlow, DocNode, JobDocument } from "./api";
import { bodyPrefix } from "./paths";

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 68;
const GAP_X = 70;
const GAP_Y = 28;
const PAD = 16;
const HEADER = 34;
const LANE_HEADER = 24;

export const CONTAINERS = new Set(["parallel", "foreach", "loop"]);

/** A box to draw: a node, a container, or a parallel's lane. Positions are relative to the parent. */
export interface Placed {
  key: string;
  role: "node" | "container" | "lane";
  node: DocNode | null;
  label: string;
  parent: string | null;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Template paths of the nodes inside (for containers): their logs are the container's too. */
  inside: string[];
}

export interface PlacedEdge {
  key: string;
  source: string;
  target: string;
  edge: DocEdge;
}

export interface Layout {
  boxes: Placed[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

interface Sized {
  box: Placed;
  children: Placed[];
  edges: PlacedEdge[];
}

/** Longest-path rank of each node (edges that would close a cycle are ignored). */
function ranks(nodes: DocNode[], edges: DocEdge[]): Map<string, number> {
  const ids = new Set(nodes.map((node) => node.id));
  const rank = new Map(nodes.map((node) => [node.id, 0]));
  const usable = edges.filter((edge) => ids.has(edge.from) && ids.has(edge.to) && edge.from !== edge.to);
  // Bellman-Ford style relaxation, bounded: a cycle cannot make it loop forever.
  for (let pass = 0; pass < nodes.length; pass += 1) {
    let changed = false;
    for (const edge of usable) {
      const next = (rank.get(edge.from) ?? 0) + 1;
      if (next > (rank.get(edge.to) ?? 0) && next < nodes.length) {
        rank.set(edge.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return rank;
}

function sizeNode(node: DocNode, prefix: string, parent: string | null): Sized {
  const key = prefix + node.id;
  const label = node.name || node.id;
  if (!CONTAINERS.has(node.kind)) {
    const box: Placed = {
      ...{ key, role: "node", node, label, parent, x: 0, y: 0 },
      ...{ width: NODE_WIDTH, height: NODE_HEIGHT, inside: [] },
    };
    return { box, children: [], edges: [] };
  }
  const inner = bodyPrefix(node.kind, key, prefix);
  const flows = node.kind === "parallel" ? (node.branches ?? []) : [node.body ?? {}];
  const children: Placed[] = [];
  const edges: PlacedEdge[] = [];
  let width = NODE_WIDTH;
  let y = HEADER;
  flows.forEach((flow, index) => {
    const holder = node.kind === "parallel" ? `${key}/branch-${index + 1}` : key;
    const laid = layoutFlow(flow, inner, holder);
    if (node.kind === "parallel") {
      const lane: Placed = {
        key: holder,
        role: "lane",
        node: null,
        label: `branch ${index + 1}`,
        parent: key,
        x: PAD,
        y,
        width: laid.width + 2 * PAD,
        height: laid.height + LANE_HEADER + PAD / 2,
        inside: [],
      };
      for (const box of laid.boxes) if (box.parent === holder) Object.assign(box, { x: box.x + PAD, y: box.y + LANE_HEADER });
      children.push(lane, ...laid.boxes);
      width = Math.max(width, lane.width + 2 * PAD);
      y += lane.height + PAD / 2;
    } else {
      for (const box of laid.boxes) if (box.parent === holder) Object.assign(box, { x: box.x + PAD, y: box.y + y });
      children.push(...laid.boxes);
      width = Math.max(width, laid.width + 2 * PAD);
      y += laid.height + PAD;
    }
    edges.push(...laid.edges);
  });
  for (const child of children) if (child.role === "lane") child.width = width - 2 * PAD;
  const inside = children.filter((child) => child.role !== "lane").map((child) => child.key);
  const height = Math.max(y, NODE_HEIGHT);
  const box: Placed = { key, role: "container", node, label, parent, x: 0, y: 0, width, height, inside };
  return { box, children, edges };
}

function documentPositions(sized: Sized[]): boolean {
  if (sized.length === 0 || !sized.every(({ box }) => box.node?.position)) return false;
  for (const { box } of sized) {
    box.x = box.node?.position?.x ?? 0;
    box.y = box.node?.position?.y ?? 0;
  }
  // Containers are bigger than the designer's boxes: push what lies right of or below them.
  for (const { box } of sized.filter(({ box }) => box.role === "container")) {
    const wider = box.width - NODE_WIDTH;
    const taller = box.height - NODE_HEIGHT;
    for (const { box: other } of sized) {
      if (other === box) continue;
      if (other.x >= box.x + NODE_WIDTH / 2) other.x += wider;
      else if (other.y >= box.y + NODE_HEIGHT / 2 && other.x + other.width > box.x) other.y += taller;
    }
  }
  return true;
}

function layered(sized: Sized[], edges: DocEdge[]): void {
  const rank = ranks(sized.map(({ box }) => box.node as DocNode), edges);
  const columns: Placed[][] = [];
  for (const { box } of sized) {
    const column = rank.get(box.node?.id ?? "") ?? 0;
    (columns[column] ??= []).push(box);
  }
  const heights = columns.map((column = []) =>
    column.reduce((sum, box) => sum + box.height + GAP_Y, -GAP_Y),
  );
  const tallest = Math.max(0, ...heights);
  let x = 0;
  columns.forEach((column, index) => {
    if (!column) return;
    let y = (tallest - heights[index]) / 2;
    for (const box of column) {
      Object.assign(box, { x, y });
      y += box.height + GAP_Y;
    }
    x += Math.max(...column.map((box) => box.width)) + GAP_X;
  });
}

/** Lay out one flow: its boxes (each container followed by what it holds) and edges. */
export function layoutFlow(flow: DocFlow, prefix = "", parent: string | null = null, useDocument = false): Layout {
  const nodes = flow.nodes ?? [];
  const flowEdges = flow.edges ?? [];
  const sized = nodes.map((node) => sizeNode(node, prefix, parent));
  if (!(useDocument && documentPositions(sized))) layered(sized, flowEdges);
  const minX = Math.min(0, ...sized.map(({ box }) => box.x));
  const minY = Math.min(0, ...sized.map(({ box }) => box.y));
  for (const { box } of sized) Object.assign(box, { x: box.x - minX, y: box.y - minY });
  const boxes = sized.flatMap(({ box, children }) => [box, ...children]);
  const edges: PlacedEdge[] = flowEdges.map((edge, index) => ({
    key: `${prefix}${edge.from}->${edge.to}#${index}`,
    source: prefix + edge.from,
    target: prefix + edge.to,
    edge,
  }));
  edges.push(...sized.flatMap((item) => item.edges));
  const width = Math.max(0, ...sized.map(({ box }) => box.x + box.width));
  const height = Math.max(0, ...sized.map(({ box }) => box.y + box.height));
  return { boxes, edges, width, height };
}

/** The whole job's layout. */
export function layoutJob(document: JobDocument): Layout {
  return layoutFlow(document, "", null, true);
}

/** A graph from the records alone (when the job's document cannot be read): no edges. */
export function layoutPaths(templates: string[]): Layout {
  const nodes: DocNode[] = templates.map((template) => ({ id: template, kind: "node" }));
  const columns = Math.max(1, Math.ceil(Math.sqrt(nodes.length)));
  const boxes: Placed[] = nodes.map((node, index) => ({
    key: node.id,
    role: "node",
    node,
    label: node.id,
    parent: null,
    x: (index % columns) * (NODE_WIDTH + GAP_X),
    y: Math.floor(index / columns) * (NODE_HEIGHT + GAP_Y),
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
    inside: [],
  }));
  const width = Math.min(nodes.length, columns) * (NODE_WIDTH + GAP_X);
  const height = Math.ceil(nodes.length / columns) * (NODE_HEIGHT + GAP_Y);
  return { boxes, edges: [], width, height };
}
