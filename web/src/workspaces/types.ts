// The workspaces API as the client sees it (src/baton/api/routes/workspaces.py), and the
// console's transcript.

import { request, type Page } from "../api";

/** A Jupyter kernel's connection info: what a connection file holds. */
export interface KernelConnection {
  ip: string;
  transport: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  /** The HMAC key that signs every message: a secret. */
  key: string;
  signature_scheme: string;
  kernel_name: string;
}

/** One of the caller's kernels. */
export interface Workspace {
  id: string;
  definition: string;
  state: string;
  execution_state: string;
  created: string;
  last_activity: string;
  account: string;
  pid: number | null;
  /** The host whose spawner runs it (null: the control plane's own). */
  host?: string | null;
  connection: KernelConnection;
}

/** A server definition, as much of it as choosing a workspace definition needs. */
export interface Definition {
  name: string;
  kind: string;
  description: string;
  enabled: boolean;
}

export type Output =
  | { type: "stream"; name: "stdout" | "stderr"; text: string }
  | { type: "result"; data: Record<string, string> }
  | { type: "display"; data: Record<string, string> }
  | { type: "error"; ename: string; evalue: string; traceback: string[] };

/** What the kernel answered to one cell. */
export interface Execution {
  status: "ok" | "error" | "timeout";
  execution_count: number | null;
  outputs: Output[];
}

/** A cell of the console's transcript: its code and, once answered, the kernel's answer. */
export interface Cell {
  id: number;
  code: string;
  timeout: number;
  /** null while it runs. */
  answer: Execution | null;
  /** Why the API refused or failed to run it (then answer stays null). */
  problem: unknown;
}

/** Seconds a cell may run unless the user says otherwise (the API's default). */
export const DEFAULT_TIMEOUT = 30;
/** The longest time limit the API accepts. */
export const MAX_TIMEOUT = 600;

export const workspacesApi = {
  list: () => request<Workspace[]>("GET", "/api/workspaces"),
  start: (definition: string | null) =>
    request<Workspace>("POST", "/api/workspaces", definition ? { definition } : {}),
  stop: (id: string) => request<void>("DELETE", `/api/workspaces/${encodeURIComponent(id)}`),
  execute: (id: string, code: string, timeout: number) =>
    request<Execution>("POST", `/api/workspaces/${encodeURIComponent(id)}/execute`, {
      code,
      timeout,
    }),
  definitions: () =>
    request<Page<Definition>>("GET", "/api/server-definitions?kind=workspace&limit=100"),
};
