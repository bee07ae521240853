// The one fetch stub of the component tests. Each area's fake control plane (admin, designer,
// operator, runs, workspaces) is its own way of answering on top of it: they keep their call
// shapes, which their tests were written against.

import { vi } from "vitest";

/** A request as the client sent it. */
export interface Sent {
  method: string;
  /** As given to fetch, query included. */
  url: string;
  /** The URL without its query. */
  path: string;
  /** The JSON body, parsed; undefined when none. */
  body: unknown;
}

/** A JSON answer; no body when `body` is undefined (a 204). */
export function json(body: unknown, status = 200): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status });
}

/** Stub `fetch` with `answer`; when it gives none, a 404 "not_found" that names the URL. */
export function stubFetch(answer: (sent: Sent) => Response | undefined): void {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const method = init?.method ?? "GET";
      const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
      const sent = { method, url, path: url.split("?")[0], body };
      return answer(sent) ?? json({ error: "not_found", detail: `no ${url}` }, 404);
    }),
  );
}
