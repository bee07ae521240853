// A stand-in for the control plane in the console's component tests: answers by method and
// path, and remembers every call.

import { json, stubFetch } from "../test/fakeApi";
import type {
  DefinitionView,
  DispatcherHistory,
  DispatcherStatus,
  ServerView,
  SessionView,
} from "./types";

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

export type Answer = { status: number; body?: unknown };
export type Route = (call: Call) => Answer | undefined;

export const SERVER: ServerView = {
  id: "appserver.default-1",
  definition: "appserver.default",
  kind: "application",
  state: "RUNNING",
  pid: 4242,
  address: "tcp:127.0.0.1:40001",
  uptime: 75,
  clients: 1,
  uses: 3,
  failures: 0,
  problem: "",
  draining: false,
  response_time: 0.1,
};

export const DEFINITION: DefinitionView = {
  name: "appserver.default",
  service: "default",
  kind: "application",
  problem: "",
  failed: null,
  paused: false,
  quiesced: false,
  waiting: 0,
  servers: 1,
  states: { RUNNING: 1 },
};

export const DISPATCHER: DispatcherStatus = {
  at: "2025-01-01T12:00:00Z",
  pid: 1,
  services: [
    {
      service: "default",
      kind: "pool",
      queue: 2,
      stopping: false,
      min_servers: 1,
      max_servers: 2,
      servers: [
        {
          server_id: "default-1",
          address: "tcp:127.0.0.1:40001",
          pid: 4242,
          state: "BUSY",
          active: 3,
          capacity: 4,
          served: 9,
          sessions: 0,
          uptime: 75,
          requests: 9,
          longest: 1.5,
          average: 0.5,
          waited_percent: 20,
          average_wait: 0.25,
        },
      ],
    },
  ],
};

export const HISTORY: DispatcherHistory = {
  interval: 10,
  keep: 360,
  samples: [
    { at: "2025-01-01T11:59:50Z", services: [] },
    {
      at: "2025-01-01T12:00:00Z",
      services: [{ service: "default", requests: 9, requests_per_second: 0.9, queue: 2 }],
    },
  ],
};

export const FREE: SessionView = { holder: null, since: null, yours: false, lapse_seconds: 300 };

/** The answers of a healthy control plane whose session is free. */
export function healthy(session: SessionView = FREE): Route {
  return ({ method, path }) => {
    if (method !== "GET") return undefined;
    const answers: Record<string, unknown> = {
      "/api/operator/servers": [SERVER],
      "/api/operator/definitions": [DEFINITION],
      "/api/operator/hosts": [],
      "/api/operator/session": session,
      "/api/dispatcher": DISPATCHER,
      "/api/dispatcher/history": HISTORY,
    };
    return path in answers ? { status: 200, body: answers[path] } : undefined;
  };
}

/** Stub `fetch` with `routes` (the first that answers wins; 404 otherwise); the calls made. */
export function stubApi(...routes: Route[]): Call[] {
  const calls: Call[] = [];
  stubFetch(({ method, path, body }) => {
    const call: Call = { method, path, body };
    calls.push(call);
    for (const route of routes) {
      const answer = route(call);
      if (answer !== undefined) return json(answer.body, answer.status);
    }
    return undefined;
  });
  return calls;
}

/** The changes asked for (everything but the reads). */
export function changes(calls: Call[]): string[] {
  return calls.filter((call) => call.method !== "GET").map((call) => `${call.method} ${call.path}`);
}
