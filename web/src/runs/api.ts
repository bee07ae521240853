// The Runtime Server's API as the run pages use it (src/baton/api/routes/runs.py and the job
// document of src/baton/jobs/model.py). Shared calls and types stay in ../api.ts.

import { request, type Page, type Run } from "../api";

/** A run as GET /api/runs/{id} gives it (RunRecord). */
export interface RunRecord extends Run {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  parent_run_id: number | null;
  runner: string;
  resumes: number;
}

/** One attempt of one node instance (path: `each[3].greet` inside a foreach). */
export interface NodeRun {
  node: string;
  attempt: number;
  state: string;
  outputs: Record<string, unknown>;
  error: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface RunDetail {
  run: RunRecord;
  nodes: NodeRun[];
}

/** One line of a run's log (node '' is the run as a whole). */
export interface LogLine {
  id: number;
  node: string;
  at: string;
  line: string;
}

/** A node of a job document: its common part; containers hold flows. */
export interface DocNode {
  id: string;
  kind: string;
  name?: string;
  disabled?: boolean;
  position?: { x?: number; y?: number } | null;
  branches?: DocFlow[];
  body?: DocFlow;
  [field: string]: unknown;
}

export interface DocEdge {
  from: string;
  to: string;
  on?: string;
  condition?: string | null;
  slot?: string | null;
}

export interface DocFlow {
  nodes?: DocNode[];
  edges?: DocEdge[];
}

export interface JobDocument extends DocFlow {
  name: string;
  description?: string;
}

/** GET /api/jobs/{name}?version=N (JobView): only what the run pages read. */
export interface JobVersion {
  name: string;
  version: number;
  latest_version: number;
  document: JobDocument;
}

/** A job as GET /api/jobs lists it. */
export interface JobSummary {
  name: string;
  latest_version: number;
}

function query(params: Record<string, string | undefined>): string {
  const pairs = Object.entries(params).filter((pair): pair is [string, string] => !!pair[1]);
  const text = new URLSearchParams(pairs).toString();
  return text ? `?${text}` : "";
}

export const runsApi = {
  list: (params: Record<string, string | undefined>) =>
    request<Page<Run>>("GET", `/api/runs${query(params)}`),
  detail: (id: number) => request<RunDetail>("GET", `/api/runs/${id}`),
  cancel: (id: number) => request<RunRecord>("POST", `/api/runs/${id}/cancel`),
  log: (id: number) => request<LogLine[]>("GET", `/api/runs/${id}/log`),
  start: (job: string, inputs: Record<string, unknown>, version?: number) =>
    request<RunRecord>("POST", `/api/jobs/${encodeURIComponent(job)}/runs`, { inputs, version }),
  jobVersion: (job: string, version: number) =>
    request<JobVersion>("GET", `/api/jobs/${encodeURIComponent(job)}${query({ version: String(version) })}`),
  jobs: () => request<Page<JobSummary>>("GET", "/api/jobs?limit=500"),
};

/** The address of a run's followed log (server-sent events). */
export function logStreamUrl(id: number): string {
  return `/api/runs/${id}/log?follow=1`;
}
