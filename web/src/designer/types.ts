// A job document as the Design Server stores it (src/baton/jobs/model.py; the JSON Schema is at
// GET /api/jobs/schema). Edges say `from` and `to`. Nodes keep their kind's own fields, so a node
// is its common part plus whatever else its kind has. Below the document: what the Design
// Server's API answers about it (src/baton/api/job_views.py).

export const NODE_KINDS = [
  "program",
  "command",
  "service",
  "job",
  "expression",
  "if",
  "parallel",
  "foreach",
  "loop",
  "wait",
  "emit",
  "terminate",
] as const;

export type NodeKind = (typeof NODE_KINDS)[number];

export const EDGE_KINDS = ["success", "failure", "always", "condition"] as const;

export type EdgeOn = (typeof EDGE_KINDS)[number];

export const ON_ERROR = ["abort_job", "continue", "abort_flow"] as const;

export type OnError = (typeof ON_ERROR)[number];

/** A node's input: an expression (a string), a literal, or the full form. */
export type Binding =
  | string
  | number
  | boolean
  | null
  | unknown[]
  | { expr?: string | null; value?: unknown; default?: unknown };

export interface Position {
  x: number;
  y: number;
}

export interface JobNode {
  id: string;
  kind: NodeKind;
  name?: string;
  description?: string;
  bindings?: Record<string, Binding>;
  retry?: { attempts?: number; backoff?: number; factor?: number; max_backoff?: number };
  timeout?: number | null;
  on_error?: OnError;
  disabled?: boolean;
  position?: Position | null;
  /** The kind's own fields: program, service, argv, condition, nodes, edges, ... */
  [field: string]: unknown;
}

export interface JobEdge {
  from: string;
  to: string;
  on?: EdgeOn;
  condition?: string | null;
  slot?: string | null;
}

export interface Variable {
  type?: string;
  description?: string;
  required?: boolean;
  default?: unknown;
}

export interface JobDocument {
  name: string;
  description?: string;
  inputs?: Record<string, Variable>;
  outputs?: Record<string, Variable & { value: string }>;
  variables?: Record<string, Variable>;
  settings?: { resumable?: boolean; max_duration?: number | null; tags?: string[] };
  nodes: JobNode[];
  edges?: JobEdge[];
}

/** One thing validation found wrong (IssueView). */
export interface Issue {
  code: string;
  message: string;
  node: string | null;
  path: string;
  severity: "error" | "warning";
}

/** What validation found (Checked). */
export interface Checked {
  issues: Issue[];
  valid: boolean;
}

/** A version just stored (SavedView). */
export interface Saved extends Checked {
  name: string;
  version: number;
  created: boolean;
}

/** One input of a component (PortView). */
export interface Port {
  type: string;
  required: boolean;
  description: string;
}

/** A component's inputs and outputs (PortsView). */
export interface Ports {
  inputs: Record<string, Port>;
  outputs: Record<string, string>;
  open_inputs: boolean;
  source: string;
}

/** A stored job, as GET /api/jobs lists it (JobRecord). */
export interface JobRecord {
  id: number;
  name: string;
  description: string;
  owner: string | null;
  latest_version: number;
  locked_by: string | null;
  locked_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One version of a job with its document (JobView). */
export interface JobView {
  name: string;
  version: number;
  latest_version: number;
  author: string;
  comment: string;
  created_at: string;
  description: string;
  owner: string | null;
  locked_by: string | null;
  locked_at: string | null;
  document: JobDocument;
}

/** A program of the catalog (GET /api/programs). */
export interface CatalogProgram {
  name: string;
  library: string;
  program: string;
  kind: string;
  summary: string;
  services: string[];
}

/** What the palette adds: a node kind, or a component (a program, a job) as its node. */
export type PaletteItem =
  | { kind: NodeKind }
  | { kind: "program"; program: string; services: string[] }
  | { kind: "job"; job: string };

/** What the properties panel shows: a node, an edge (by its index), or the job itself. */
export type Selection = { type: "node"; id: string } | { type: "edge"; index: number } | null;

/** The MIME type of a palette item being dragged onto the canvas. */
export const PALETTE_MIME = "application/x-baton-node";
