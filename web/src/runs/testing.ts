// Test doubles for the run pages' Vitest tests: what jsdom lacks (EventSource; React Flow's
// stubs are in ../test/reactFlow) and the API answers they read.

import type { Me } from "../api";
import { json, stubFetch as stubAnyFetch } from "../test/fakeApi";
import type { StubSize } from "../test/reactFlow";
import type { NodeRun, RunRecord } from "./api";

/** The size the run graph's tests give every element (a pane large enough for the graph). */
export const RUN_PANE: StubSize = { width: 800, height: 400 };

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
  return json({ error: "forbidden", detail }, 403);
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
  stubAnyFetch(({ method, url, body }) => {
    calls.push({ method, path: url, body });
    const answer = answers[`${method} ${url}`];
    if (answer === undefined) return undefined;
    const value = typeof answer === "function" ? (answer as (body: unknown) => unknown)(body) : answer;
    return value instanceof Response ? value : json(value);
  });
  return calls;
}
