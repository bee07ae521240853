// Test double of the control plane for the administration's component tests: answers by
// "METHOD /path" (query string included when the key has one) and records every call.

import { json, stubFetch } from "../test/fakeApi";

export interface Call {
  method: string;
  url: string;
  body: unknown;
}

type Answer = { status?: number; body?: unknown } | ((call: Call) => { status?: number; body?: unknown });

export function fakeApi(routes: Record<string, Answer>) {
  const calls: Call[] = [];
  stubFetch(({ method, url, path, body }) => {
    const call = { method, url, body };
    calls.push(call);
    const route = routes[`${method} ${url}`] ?? routes[`${method} ${path}`];
    if (route === undefined) return undefined;
    const { status = 200, body: answer } = typeof route === "function" ? route(call) : route;
    return json(status === 204 ? undefined : (answer ?? {}), status);
  });
  return calls;
}

export const page = <T,>(items: T[]) => ({ items, total: items.length, limit: 50, offset: 0 });
