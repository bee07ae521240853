// Node paths: how a node of the document is named in a run's records.
//
// The engine names a node's record by its path: its id, prefixed inside a foreach body by the
// item (`each[3].greet`) and inside a loop body by the pass (`again#2.step`); a parallel's
// branches keep their container's prefix. A node of the drawn graph is one *template* path
// (`each[*].greet`), which every instance matches.

import type { NodeRun } from "./api";
import { NODE_TERMINAL } from "./states";

/** The children's prefix of a container at template `key`. */
export function bodyPrefix(kind: string, key: string, prefix: string): string {
  if (kind === "foreach") return `${key}[*].`;
  if (kind === "loop") return `${key}#*.`;
  return prefix; // parallel: its branches' nodes keep the container's prefix
}

function pattern(template: string): string {
  return template
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\\\[\\\*\\\]/g, "\\[\\d+\\]")
    .replace(/#\\\*/g, "#\\d+");
}

/** Whether a recorded path is an instance of `template`. */
export function isInstance(template: string, path: string): boolean {
  return new RegExp(`^${pattern(template)}$`).test(path);
}

/** Whether a path is an instance of `template` or of something inside it. */
export function isWithin(template: string, path: string): boolean {
  return new RegExp(`^${pattern(template)}(?:$|[.[#])`).test(path);
}

/** The template a recorded path is an instance of (`each[3].greet` -> `each[*].greet`). */
export function templateOf(path: string): string {
  return path.replace(/\[\d+\]/g, "[*]").replace(/#\d+/g, "#*");
}

/** What a graph node shows of its instances' records. */
export interface NodeStatus {
  state: string;
  /** Instances (foreach items, loop passes) that have a record. */
  instances: number;
  /** Attempts over all instances. */
  attempts: number;
  /** The latest attempt of each instance. */
  latest: NodeRun[];
}

// The state that says most about several instances: one still going, then one that went wrong.
const PRIORITY = [
  "RUNNING",
  "RETRYING",
  "WAITING",
  "CRASHED",
  "FAILED",
  "CANCELLED",
  "PENDING",
  "SUCCEEDED",
  "SKIPPED",
];

function rank(state: string): number {
  const index = PRIORITY.indexOf(state);
  return index < 0 ? PRIORITY.length : index;
}

/** The status of the graph node `template` from a run's node records. */
export function statusOf(template: string, records: NodeRun[]): NodeStatus {
  const latest = new Map<string, NodeRun>();
  let attempts = 0;
  for (const record of records) {
    if (!isInstance(template, record.node)) continue;
    attempts += 1;
    const seen = latest.get(record.node);
    if (!seen || record.attempt > seen.attempt) latest.set(record.node, record);
  }
  const instances = [...latest.values()];
  let state = "PENDING";
  if (instances.length > 0) {
    state = instances.reduce((best, run) => (rank(run.state) < rank(best) ? run.state : best), "SKIPPED");
  }
  return { state, instances: instances.length, attempts, latest: instances };
}

/** Whether a node is over (every instance that has a record). */
export function isOver(status: NodeStatus): boolean {
  return status.instances > 0 && status.latest.every((run) => NODE_TERMINAL.has(run.state));
}
