import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { DESIGNER, fakeApi, renderAt, Reply } from "./testing";

afterEach(() => {
  vi.unstubAllGlobals();
});

const JOB = {
  id: 1,
  name: "sales.daily",
  description: "The day's sales",
  owner: "ada",
  latest_version: 3,
  locked_by: "bob",
  locked_at: "2025-01-02T10:00:00Z",
  created_at: "2025-01-01T10:00:00Z",
  updated_at: "2025-01-02T09:00:00Z",
};

describe("the jobs page", () => {
  it("lists the jobs with their version, owner and lock, and offers a new job to designers", async () => {
    fakeApi({ "GET /api/jobs": { items: [JOB], total: 1, limit: 500, offset: 0 } });
    renderAt("/jobs");
    const row = await screen.findByRole("row", { name: /sales\.daily/ });
    const cells = within(row).getAllByRole("cell");
    expect(within(cells[0]).getByRole("link", { name: "sales.daily" })).toHaveAttribute("href", "/jobs/sales.daily");
    expect(cells[1]).toHaveTextContent("3");
    expect(cells[2]).toHaveTextContent("ada");
    expect(cells[4]).toHaveTextContent("bob");
    expect(screen.getByRole("link", { name: "New job" })).toHaveAttribute("href", "/jobs/new");
  });

  it("offers no new job without design_jobs, and shows a refusal in words", async () => {
    fakeApi({ "GET /api/jobs": new Reply(500, { error: "internal", detail: "the registry is down" }) });
    renderAt("/jobs", { ...DESIGNER, capabilities: [] });
    expect(await screen.findByRole("alert")).toHaveTextContent("the registry is down");
    expect(screen.queryByRole("link", { name: "New job" })).toBeNull();
  });

  it("tells a user without design_jobs that /jobs/new is not for them", async () => {
    fakeApi({});
    renderAt("/jobs/new", { ...DESIGNER, capabilities: [] });
    expect(await screen.findByRole("alert")).toHaveTextContent("You may not design jobs");
  });
});
