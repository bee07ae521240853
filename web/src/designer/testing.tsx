// Test doubles for the designer's Vitest tests (React Flow's stubs are in ../test/reactFlow): a fake API
// answering by "METHOD /path", and the designer rendered at an address.

import { render } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useParams } from "react-router-dom";

import type { Me } from "../api";
import { json, stubFetch } from "../test/fakeApi";
import { Designer } from "./Designer";
import { Jobs } from "./Jobs";
import type { JobDocument, JobView, Ports } from "./types";

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

type Answer = unknown | ((call: Call) => unknown);

/** A status and a body: what a route answers when it is not a plain 200. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** Stub fetch: `routes` maps "METHOD /path" (without the query) to a body, a Reply, or a
 * function of the call; anything else is a 404. Returns the calls made. */
export function fakeApi(routes: Record<string, Answer>): Call[] {
  const calls: Call[] = [];
  stubFetch(({ method, url, path, body }) => {
    const call = { method, path: url, body };
    calls.push(call);
    const route = routes[`${method} ${decodeURIComponent(path)}`];
    if (route === undefined) return undefined;
    const answer = typeof route === "function" ? (route as (call: Call) => unknown)(call) : route;
    const reply = answer instanceof Reply ? answer : new Reply(200, answer);
    return json(reply.body, reply.status);
  });
  return calls;
}

export const DESIGNER: Me = {
  user: { id: 1, name: "ada", display_name: "Ada", auth_source: "local" },
  capabilities: ["design_jobs"],
  groups: [],
  method: "session",
};

export const ADD_PORTS: Ports = {
  inputs: {
    a: { type: "integer", required: true, description: "the first number." },
    b: { type: "integer", required: true, description: "the number added to it." },
  },
  outputs: { result: "integer" },
  open_inputs: false,
  source: "main() of sample.add",
};

export const CATALOG = {
  "GET /api/programs": {
    items: [{ name: "sample.add", library: "sample", program: "add", kind: "python", summary: "Add two integers.", services: ["default"] }],
    total: 1,
    limit: 1000,
    offset: 0,
  },
  "GET /api/jobs": { items: [], total: 0, limit: 500, offset: 0 },
  "GET /api/components/programs/sample.add": ADD_PORTS,
  "POST /api/jobs/validate": { issues: [], valid: true },
};

export function jobView(document: JobDocument, fields: Partial<JobView> = {}): JobView {
  return {
    name: document.name,
    version: 1,
    latest_version: 1,
    author: "ada",
    comment: "",
    created_at: "2025-01-02T10:00:00Z",
    description: "",
    owner: "ada",
    locked_by: null,
    locked_at: null,
    document,
    ...fields,
  };
}

function RunStub() {
  return <p>Run page {useParams().id}</p>;
}

/** The jobs page and the designer, at `address`. */
export function renderAt(address: string, me: Me = DESIGNER) {
  return render(
    <MemoryRouter initialEntries={[address]}>
      <Routes>
        <Route path="/jobs" element={<Jobs me={me} />} />
        <Route path="/jobs/new" element={<Designer me={me} />} />
        <Route path="/jobs/:name" element={<Designer me={me} />} />
        <Route path="/runs/:id" element={<RunStub />} />
      </Routes>
    </MemoryRouter>,
  );
}
