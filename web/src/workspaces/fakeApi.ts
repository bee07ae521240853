// A fake control plane for the component tests: fetch answers by method and path.
import type { Me } from "../api";
import { json, stubFetch } from "../test/fakeApi";
import type { Workspace } from "./types";

export type Handler = (body: unknown, url: URL) => unknown;
export interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A JSON response (204 when the handler answers undefined; an [status, body] pair for
 * errors). */
function answer(value: unknown): Response {
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === "number" && value[0] >= 400) {
    return json(value[1], value[0]);
  }
  return json(value, value === undefined ? 204 : 200);
}

/** Stub fetch with handlers keyed "METHOD /path"; every call is recorded. */
export function fakeApi(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  stubFetch(({ method, url, path, body }) => {
    calls.push({ method, path, body });
    const handler = handlers[`${method} ${path}`];
    return handler && answer(handler(body, new URL(url, "http://baton.test")));
  });
  return calls;
}

export function kernel(id: string, changes: Partial<Workspace> = {}): Workspace {
  return {
    id,
    definition: "ws",
    state: "RUNNING",
    execution_state: "idle",
    created: "2025-01-02T03:04:05Z",
    last_activity: "2025-01-02T03:04:05Z",
    account: "ada",
    pid: 4242,
    connection: {
      ip: "127.0.0.1",
      transport: "tcp",
      shell_port: 50001,
      iopub_port: 50002,
      stdin_port: 50003,
      control_port: 50004,
      hb_port: 50005,
      key: "s3cr3t-hmac-key-0123456789abcdef",
      signature_scheme: "hmac-sha256",
      kernel_name: "python3",
    },
    ...changes,
  };
}

export const ME: Me = {
  user: { id: 1, name: "ada", display_name: "Ada", auth_source: "local" },
  capabilities: [],
  groups: [],
  method: "session",
};
