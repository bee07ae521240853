import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Runs } from "../pages/Runs";
import { runRecord } from "./testing";

function Address() {
  return <p data-testid="address">{useLocation().search}</p>;
}

function stubRuns() {
  const asked: URLSearchParams[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string) => {
      const url = new URL(path, "http://baton.test");
      if (url.pathname === "/api/jobs") return new Response(JSON.stringify({ items: [], total: 0, limit: 500, offset: 0 }));
      asked.push(url.searchParams);
      const state = url.searchParams.get("state");
      const items = [runRecord({ id: 3, state: "FAILED" }), runRecord({ id: 2 }), runRecord({ id: 1 })].filter(
        (run) => !state || run.state === state,
      );
      return new Response(JSON.stringify({ items, total: items.length, limit: 25, offset: 0 }));
    }),
  );
  return asked;
}

function show(path = "/runs") {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/runs" element={<><Runs /><Address /></>} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("the run list", { timeout: 20000 }, () => {
  it("filters by job and state through the address, and links each run", async () => {
    const asked = stubRuns();
    show();
    expect(await screen.findByText("3 runs")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Run 3" })).toHaveAttribute("href", "/runs/3");
    expect(screen.queryByRole("heading", { name: /Durations/ })).not.toBeInTheDocument();

    await userEvent.type(screen.getByLabelText("Job"), "hello");
    await userEvent.selectOptions(screen.getByLabelText("State"), "FAILED");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    expect(await screen.findByText("1 run")).toBeInTheDocument();
    expect(screen.getByTestId("address")).toHaveTextContent("?job=hello&state=FAILED");
    const last = asked.find((query) => query.get("state") === "FAILED" && query.get("limit") === "25");
    expect(last?.get("job")).toBe("hello");

    // One job named: its chart and its counts per outcome.
    const chart = await screen.findByRole("heading", { name: "Durations and outcomes of job hello" });
    const section = chart.closest("section") as HTMLElement;
    expect(await within(section).findByRole("list", { name: "Outcomes" })).toHaveTextContent("SUCCEEDED 2");
    expect(within(section).getByRole("list", { name: "Outcomes" })).toHaveTextContent("FAILED 1");

    await userEvent.click(screen.getByRole("button", { name: "Reset" }));
    expect(await screen.findByText("3 runs")).toBeInTheDocument();
    expect(screen.getByTestId("address")).toHaveTextContent(/^$/);
  });

  it("reads a time range from the address and sends it to the API", async () => {
    const asked = stubRuns();
    show("/runs?since=2025-01-01T00:00:00.000Z&until=2025-01-02T00:00:00.000Z");
    await screen.findByText("3 runs");
    expect(asked[0].get("since")).toBe("2025-01-01T00:00:00.000Z");
    expect(asked[0].get("until")).toBe("2025-01-02T00:00:00.000Z");
    expect((screen.getByLabelText("Created from") as HTMLInputElement).value).not.toBe("");
  });
});
