// Test doubles for the run pages' Vitest tests: what jsdom lacks (ResizeObserver, DOMMatrix,
// EventSource) and the API answers they read.

import { vi } from "vitest";

import type { Me } from "../api";
import type { NodeRun, RunRecord } from "./api";

/** React Flow measures its pane and nodes: give jsdom a size and the observers it uses. */
export function stubReactFlow(): void {
  class Observer {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element) {
      this.callback([{ target } as ResizeObserverEntry], this as unknown as ResizeObserver);
    }
    unobserve() {}
    disconnect() {}
  }
  class Matrix {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([1-9.])\)/)?.[1];
      this.m22 = scale !== undefined ? Number(scale) : 1;
    }
  }
  // Not through vi.stubGlobal: React Flow's effects may run after a test's unstubAllGlobals.
  Object.assign(globalThis, { ResizeObserver: Observer, DOMMatrixReadOnly: Matrix });
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: { configurable: true, get: () => 400 },
    offsetWidth: { configurable: true, get: () => 800 },
  });
}

/** An EventSource the test drives: `emit` sends an event to the page. */
export class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static last: FakeEventSource | null = null;
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(name: string, data: unknown) {
    this.readyState = FakeEventSource.OPEN;
    for (const listener of this.listeners.get(name) ?? []) {
      listener(new MessageEvent(name, { data: JSON.stringify(data) }));
    }
  }
}

export const ME: Me = {
  user: { id: 1, name: "ada", display_name: "Ada", auth_source: "local" },
  capabilities: [],
  groups: [],
  method: "session",
};

export function runRecord(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 7,
    job: "hello",
    version: 2,
    state: "SUCCEEDED",
    created_by: "ada",
    error: "",
    created_at: "2025-01-02T10:00:00Z",
    started_at: "2025-01-02T10:00:01Z",
    finished_at: "2025-01-02T10:00:11Z",
    position: null,
    inputs: {},
    outputs: {},
    parent_run_id: null,
    runner: "1234",
    resumes: 0,
    ...fields,
  };
}

/** A 403 answer, with the API's words. */
export function refusal(detail: string): Response {
  return new Response(JSON.stringify({ error: "forbidden", detail }), { status: 403 });
}

export function attempt(
  node: string,
  state: string,
  started: string | null,
  finished: string | null,
  extra: Partial<NodeRun> = {},
): NodeRun {
  return { node, attempt: 1, state, outputs: {}, error: "", started_at: started, finished_at: finished, ...extra };
}

/** A fetch that answers by path (`GET /api/runs/7`) with JSON, 404 otherwise; it records the calls. */
export function stubFetch(answers: Record<string, unknown | ((body: unknown) => unknown)>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetch = vi.fn(async (path: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, path, body });
    const answer = answers[`${method} ${path}`];
    if (answer === undefined) {
      return new Response(JSON.stringify({ error: "not_found", detail: `no ${path}` }), { status: 404 });
    }
    const value = typeof answer === "function" ? (answer as (body: unknown) => unknown)(body) : answer;
    if (value instanceof Response) return value;
    return new Response(JSON.stringify(value), { status: 200 });
  });
  vi.stubGlobal("fetch", fetch);
  return calls;
}
