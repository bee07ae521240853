// The job document as YAML text and back, for the YAML pane. Keys are written in the order the
// Design Server writes them (src/baton/jobs/documents.py), so that the text stays stable as the
// graph is edited; reading refuses anchors and aliases, as the server does.

import { LineCounter, isAlias, isNode, parseDocument, stringify, visit } from "yaml";

import type { JobDocument } from "./types";

const JOB_KEYS = [
  "name",
  "description",
  "inputs",
  "outputs",
  "variables",
  "settings",
  "nodes",
  "edges",
];
const NODE_KEYS = ["id", "kind"];
const EDGE_KEYS = ["from", "to", "on", "condition", "slot"];

type Data = Record<string, unknown>;

function isMapping(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ordered(value: Data, first: string[]): Data {
  const out: Data = {};
  for (const key of first) if (key in value) out[key] = value[key];
  for (const [key, item] of Object.entries(value)) if (!(key in out)) out[key] = item;
  return out;
}

function orderedFlow(flow: Data, keys: string[]): Data {
  const out = ordered(flow, keys);
  if (Array.isArray(out.nodes)) out.nodes = out.nodes.map(orderedNode);
  if (Array.isArray(out.edges)) {
    out.edges = out.edges.map((edge) => (isMapping(edge) ? ordered(edge, EDGE_KEYS) : edge));
  }
  return out;
}

function orderedNode(node: unknown): unknown {
  if (!isMapping(node)) return node;
  const out = ordered(node, NODE_KEYS);
  if (isMapping(out.body)) out.body = orderedFlow(out.body, ["nodes", "edges"]);
  if (Array.isArray(out.branches)) {
    out.branches = out.branches.map((branch) =>
      isMapping(branch) ? orderedFlow(branch, ["nodes", "edges"]) : branch,
    );
  }
  return out;
}

/** The job as YAML, keys in the Design Server's order, never with anchors or aliases. */
export function jobToYaml(job: JobDocument): string {
  return stringify(orderedFlow(job as unknown as Data, JOB_KEYS), {
    aliasDuplicateObjects: false,
    lineWidth: 100,
  });
}

/** Why a text is not a job document, and where (1-based; none when it is the whole text). */
export interface YamlProblem {
  message: string;
  line?: number;
  column?: number;
}

export type Parsed = { job: JobDocument } | { problem: YamlProblem };

function firstLine(message: string): string {
  return message.split("\n")[0].trim();
}

/** Read a YAML text as a job document: a mapping with a `nodes` list, no anchors or aliases. */
export function parseJobYaml(text: string): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos?.[0];
    return { problem: { message: firstLine(error.message), line: where?.line, column: where?.col } };
  }
  let refused: YamlProblem | null = null;
  visit(doc, (_key, node) => {
    if (!isNode(node)) return undefined;
    const anchored = isAlias(node) || Boolean(node.anchor);
    if (!anchored) return undefined;
    let offset = node.range?.[0];
    if (offset !== undefined && !isAlias(node) && node.anchor) {
      const mark = text.lastIndexOf(`&${node.anchor}`, offset);
      if (mark >= 0) offset = mark;
    }
    const where = offset !== undefined ? lineCounter.linePos(offset) : undefined;
    refused = {
      message: "anchors and aliases (& and *) are not allowed in a job document",
      line: where?.line,
      column: where?.col,
    };
    return visit.BREAK;
  });
  if (refused) return { problem: refused };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 0 });
  } catch (exception) {
    return { problem: { message: exception instanceof Error ? exception.message : String(exception) } };
  }
  if (!isMapping(data) || !Array.isArray(data.nodes)) {
    return { problem: { message: "a job document is a mapping with a nodes list" } };
  }
  return { job: data as unknown as JobDocument };
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isMapping(value)) {
    const out: Data = {};
    for (const key of Object.keys(value).sort()) {
      if (value[key] !== undefined) out[key] = canonical(value[key]);
    }
    return out;
  }
  return value;
}

/** The same document, whatever the order of keys. */
export function sameJob(a: JobDocument | null, b: JobDocument | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
