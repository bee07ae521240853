// Test double of the control plane for the administration's component tests: answers by
// "METHOD /path" (query string included when the key has one) and records every call.

import { vi } from "vitest";

export interface Call {
  method: string;
  url: string;
  body: unknown;
}

type Answer = { status?: number; body?: unknown } | ((call: Call) => { status?: number; body?: unknown });

export function fakeApi(routes: Record<string, Answer>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? "GET";
    const call = { method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const route = routes[`${method} ${url}`] ?? routes[`${method} ${url.split("?")[0]}`];
    if (route === undefined) {
      return new Response(JSON.stringify({ error: "not_found", detail: `no fake for ${method} ${url}` }), {
        status: 404,
      });
    }
    const { status = 200, body } = typeof route === "function" ? route(call) : route;
    return new Response(status === 204 ? null : JSON.stringify(body ?? {}), { status });
  });
  vi.stubGlobal("fetch", fetch);
  return calls;
}

export const page = <T,>(items: T[]) => ({ items, total: items.length, limit: 50, offset: 0 });
