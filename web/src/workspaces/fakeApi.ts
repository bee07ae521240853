// A fake control plane for the component tests: fetch answers by method and path.
import { vi } from "vitest";

import type { Me } from "../api";
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
  if (value === undefined) return new Response(null, { status: 204 });
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === "number" && value[0] >= 400) {
    return new Response(JSON.stringify(value[1]), { status: value[0] });
  }
  return new Response(JSON.stringify(value), { status: 200 });
}

/** Stub fetch with handlers keyed "METHOD /path"; every call is recorded. */
export function fakeApi(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://baton.test");
      const method = init?.method ?? "GET";
      const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
      calls.push({ method, path: url.pathname, body });
      const handler = handlers[`${method} ${url.pathname}`];
      if (!handler) return answer([404, { error: "not_found", detail: `no ${method} ${url.pathname}` }]);
      return answer(handler(body, url));
    }),
  );
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
