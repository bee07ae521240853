// The variables an expression of a node may read, named as the validator names them
// (src/baton/jobs/scopes.py): `inputs.NAME`, `vars.NAME`, and `nodes.ID.OUTPUT` for the nodes
// that run before it, with their types (object types give their fields too).

import { ancestorsOf } from "./document";
import type { JobDocument, JobNode, Ports, Variable } from "./types";

export interface ScopeEntry {
  /** What an expression writes: inputs.year, nodes.add.result. */
  path: string;
  /** Its type, as the Design Server writes types: integer, list<string>, object{a: integer}. */
  type: string;
  /** Where it comes from, for people. */
  origin: string;
}

/** Split `text` at top-level commas (not inside <> or {}). */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "<" || c === "{") depth++;
    else if (c === ">" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim()).filter(Boolean);
}

/** The fields of an object type (`object{total: number, n: integer}`), or null. */
export function fieldsOf(type: string): Record<string, string> | null {
  const match = /^object\{(.*)\}$/s.exec(type.trim());
  if (!match) return null;
  const fields: Record<string, string> = {};
  for (const part of splitTop(match[1])) {
    const colon = part.indexOf(":");
    if (colon > 0) fields[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return fields;
}

/** The outputs of a node: from its component's ports when known, else its kind's own. */
export function outputsOf(node: JobNode, ports: Ports | undefined): Record<string, string> {
  if (ports) return ports.outputs;
  switch (node.kind) {
    case "command": {
      const outputs: Record<string, string> = { exit_code: "integer", stdout: "string", stderr: "string" };
      if (node.parse_json) outputs.json = "object";
      return outputs;
    }
    case "service": {
      return { status: "integer", json: "any", headers: "object" };
    }
    case "foreach":
      return { results: "list" };
    case "loop":
      return { iterations: "integer" };
    case "wait":
      return { event: "object", file: "string", at: "datetime" };
    default:
      return {};
  }
}

function withFields(entries: ScopeEntry[], path: string, type: string, origin: string, depth = 0) {
  entries.push({ path, type, origin });
  const fields = depth < 3 ? fieldsOf(type) : null;
  for (const [name, fieldType] of Object.entries(fields ?? {})) {
    withFields(entries, `${path}.${name}`, fieldType, origin, depth + 1);
  }
}

function declared(
  entries: ScopeEntry[],
  prefix: string,
  variables: Record<string, Variable> | undefined,
  origin: string,
) {
  for (const [name, variable] of Object.entries(variables ?? {})) {
    withFields(entries, `${prefix}.${name}`, variable.type ?? "string", origin);
  }
}

/**
 * The variables in scope at node `id` (`withSelf`: its own outputs too, as an edge's condition
 * sees them), given the ports read so far (by node id).
 */
export function scopeAt(
  doc: JobDocument,
  id: string | null,
  ports: Record<string, Ports | undefined>,
  withSelf = false,
): ScopeEntry[] {
  const entries: ScopeEntry[] = [];
  declared(entries, "inputs", doc.inputs, "job input");
  declared(entries, "vars", doc.variables, "job variable");
  if (id === null) return entries;
  const visible = ancestorsOf(doc, id);
  if (withSelf) visible.push(id);
  for (const nodeId of visible) {
    const node = doc.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) continue;
    for (const [output, type] of Object.entries(outputsOf(node, ports[nodeId]))) {
      withFields(entries, `nodes.${nodeId}.${output}`, type, `output of ${nodeId}`);
    }
  }
  return entries;
}

/** The entries that complete `prefix` (the dotted name being typed), best first. */
export function completions(entries: ScopeEntry[], prefix: string): ScopeEntry[] {
  const wanted = prefix.toLowerCase();
  const starts = entries.filter((entry) => entry.path.toLowerCase().startsWith(wanted));
  const contains = entries.filter((entry) => {
    const path = entry.path.toLowerCase();
    return wanted && !path.startsWith(wanted) && path.includes(wanted);
  });
  return [...starts, ...contains].filter((entry) => entry.path !== prefix);
}

/** The variables a job's outputs may read when it ends: every node's outputs. */
export function endScope(doc: JobDocument, ports: Record<string, Ports | undefined>): ScopeEntry[] {
  const entries = scopeAt(doc, null, ports);
  for (const node of doc.nodes) {
    for (const [output, type] of Object.entries(outputsOf(node, ports[node.id]))) {
      withFields(entries, `nodes.${node.id}.${output}`, type, `output of ${node.id}`);
    }
  }
  return entries;
}
