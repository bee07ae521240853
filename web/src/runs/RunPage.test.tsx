import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { RunDetail } from "./api";
import { RunPage } from "./RunPage";
import { stubReactFlow } from "../test/reactFlow";
import { attempt, FakeEventSource, ME, refusal, RUN_PANE, runRecord, stubFetch } from "./testing";

const DOCUMENT = {
  name: "hello",
  version: 2,
  latest_version: 2,
  document: {
    name: "hello",
    nodes: [
      { id: "say", kind: "command" },
      { id: "shout", kind: "command" },
    ],
    edges: [{ from: "say", to: "shout" }],
  },
};

function detail(state: string, nodes = "SUCCEEDED"): RunDetail {
  return {
    run: runRecord({
      state,
      outputs: state === "SUCCEEDED" ? { greeting: "hello" } : {},
      finished_at: state === "RUNNING" ? null : "2025-01-02T10:00:11Z",
    }),
    nodes: [
      attempt("say", nodes, "2025-01-02T10:00:01Z", "2025-01-02T10:00:02Z"),
      attempt("shout", nodes, "2025-01-02T10:00:02Z", "2025-01-02T10:00:03Z"),
    ],
  };
}

function show(path = "/runs/7") {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/runs/:id" element={<RunPage me={ME} />} />
      </Routes>
    </MemoryRouter>,
  );
}

function line(id: number, node: string, text: string) {
  return { id, node, at: "2025-01-02T10:00:02Z", line: text };
}

beforeEach(() => {
  stubReactFlow(RUN_PANE);
  vi.stubGlobal("EventSource", FakeEventSource);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("a run's page", { timeout: 20000 }, () => {
  it("shows the run's state, its graph, its outputs, and its log filtered per node", async () => {
    stubFetch({ "GET /api/runs/7": detail("SUCCEEDED"), "GET /api/jobs/hello?version=2": DOCUMENT });
    show();
    expect(await screen.findByLabelText("Run state")).toHaveTextContent("SUCCEEDED");
    expect(await screen.findByLabelText("say: SUCCEEDED")).toBeInTheDocument();
    expect(screen.getByLabelText("shout: SUCCEEDED")).toBeInTheDocument();
    expect(within(screen.getByLabelText("Run outputs")).getByText("greeting").nextSibling).toHaveTextContent("hello");
    expect(FakeEventSource.last?.url).toBe("/api/runs/7/log?follow=1");

    await act(async () => {
      FakeEventSource.last?.emit("log", line(1, "", "on runner 1234"));
      FakeEventSource.last?.emit("log", line(2, "say", "hi there"));
      FakeEventSource.last?.emit("log", line(3, "shout", "HI THERE"));
      FakeEventSource.last?.emit("end", { state: "SUCCEEDED", error: "" });
    });
    const log = screen.getByRole("log", { name: "Run log" });
    expect(await within(log).findByText("HI THERE")).toBeInTheDocument();
    expect(within(log).getAllByRole("listitem")).toHaveLength(3);
    expect(FakeEventSource.last?.readyState).toBe(FakeEventSource.CLOSED);

    // Choosing a node in the graph shows its lines only; "All nodes" shows them all again.
    await userEvent.click(within(screen.getByLabelText("say: SUCCEEDED")).getByRole("button"));
    expect(within(log).getAllByRole("listitem").map((item) => item.textContent)).toEqual([expect.stringContaining("hi there")]);
    expect(screen.getByRole("heading", { name: /Node say/ })).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Node"), "shout");
    expect(within(log).getAllByRole("listitem").map((item) => item.textContent)).toEqual([expect.stringContaining("HI THERE")]);
    await userEvent.selectOptions(screen.getByLabelText("Node"), "The run itself");
    expect(within(log).getAllByRole("listitem").map((item) => item.textContent)).toEqual([expect.stringContaining("on runner")]);
    await userEvent.selectOptions(screen.getByLabelText("Node"), "All nodes");
    expect(within(log).getAllByRole("listitem")).toHaveLength(3);
  });

  it("polls while the run is going, stops once it has ended, and closes the stream on leaving", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let answers = 0;
    stubFetch({
      "GET /api/runs/7": () => (++answers < 3 ? detail("RUNNING", "RUNNING") : detail("SUCCEEDED")),
      "GET /api/jobs/hello?version=2": DOCUMENT,
    });
    const page = show();
    expect(await screen.findByLabelText("say: RUNNING")).toBeInTheDocument();
    expect(screen.getByLabelText("Run state")).toHaveTextContent("RUNNING");
    await act(async () => vi.advanceTimersByTimeAsync(2100));
    expect(await screen.findByLabelText("say: SUCCEEDED")).toBeInTheDocument();
    expect(screen.getByLabelText("Run state")).toHaveTextContent("SUCCEEDED");
    expect(answers).toBe(3);
    await act(async () => vi.advanceTimersByTimeAsync(5000));
    expect(answers).toBe(3);

    const stream = FakeEventSource.last;
    page.unmount();
    expect(stream?.readyState).toBe(FakeEventSource.CLOSED);
  });

  it("draws the nodes from the records when the job cannot be read, and says why", async () => {
    stubFetch({
      "GET /api/runs/7": detail("SUCCEEDED"),
      "GET /api/jobs/hello?version=2": refusal("you may not read job 'hello'"),
    });
    show();
    expect(await screen.findByText(/you may not read job 'hello'/)).toBeInTheDocument();
    expect(await screen.findByLabelText("say: SUCCEEDED")).toBeInTheDocument();
  });

  it("says so in words when the run is not there", async () => {
    stubFetch({});
    show("/runs/99");
    expect(await screen.findByRole("alert")).toHaveTextContent("no /api/runs/99");
  });
});
