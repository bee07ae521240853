import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Audit } from "./Audit";
import type { AuditRecord } from "./adminApi";
import { fakeApi } from "./fakeApi";

afterEach(() => vi.unstubAllGlobals());

const event = (id: number, action: string): AuditRecord => ({
  id,
  at: "2025-01-01T00:00:00Z",
  actor: "admin",
  action,
  resource: "program:sample.add",
  outcome: "ok",
  remote_addr: "127.0.0.1",
  detail: { principal: "user:ada", permission: "run" },
});

/** The audit page at `address`. */
function showAudit(address: string) {
  render(
    <MemoryRouter initialEntries={[address]}>
      <Routes>
        <Route path="/admin/audit" element={<Audit />} />
      </Routes>
    </MemoryRouter>,
  );
}

describe("the audit log", () => {
  it("asks the API for the filtered page and pages through it", async () => {
    const calls = fakeApi({
      "GET /api/audit": (call) => {
        const offset = Number(new URL(call.url, "http://x").searchParams.get("offset"));
        return { body: { items: [event(60 - offset, "grant")], total: 2, limit: 1, offset } };
      },
    });
    showAudit("/admin/audit?size=25");
    await userEvent.type(screen.getByLabelText("Actor"), "admin");
    await userEvent.type(screen.getByLabelText("Action"), "grant{Enter}");
    const row = await screen.findByRole("row", { name: /grant program:sample\.add ok/ });
    expect(within(row).getByText("principal: user:ada; permission: run")).toBeInTheDocument();
    expect(within(row).getByRole("link", { name: "program:sample.add" })).toHaveAttribute(
      "href",
      "/admin/permissions?kind=program&name=sample.add",
    );
    expect(calls.at(-1)?.url).toBe("/api/audit?actor=admin&action=grant&limit=25&offset=0");

    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await vi.waitFor(() => expect(calls.at(-1)?.url).toBe("/api/audit?actor=admin&action=grant&limit=25&offset=1"));
    expect(await screen.findByText("2–2 of 2 events")).toBeInTheDocument();
  });

  it("filters by resource, outcome and time, sent to the API in ISO 8601", async () => {
    const calls = fakeApi({
      "GET /api/audit": () => ({ body: { items: [], total: 0, limit: 50, offset: 0 } }),
    });
    showAudit("/admin/audit");
    await userEvent.type(screen.getByLabelText("Resource"), "program:sample");
    await userEvent.selectOptions(screen.getByLabelText("Outcome"), "denied");
    await userEvent.type(screen.getByLabelText("From"), "2026-01-02T03:04");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    const since = new Date("2026-01-02T03:04").toISOString();
    await vi.waitFor(() =>
      expect(calls.at(-1)?.url).toBe(
        `/api/audit?resource=program%3Asample&outcome=denied&since=${encodeURIComponent(since)}&limit=50&offset=0`,
      ),
    );
  });

  it("says in words what the API refuses in a filter", async () => {
    fakeApi({
      "GET /api/audit": (call) =>
        call.url.includes("action=")
          ? {
              status: 422,
              body: {
                error: "invalid_request",
                detail: [{ field: "query.action", message: "String should match pattern", type: "string_pattern_mismatch" }],
              },
            }
          : { body: { items: [], total: 0, limit: 50, offset: 0 } },
    });
    showAudit("/admin/audit");
    expect(await screen.findByText("No event matches.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Action"), "Grant!{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Action: lower-case letters, _ and .");
    expect(screen.queryByText("No event matches.")).toBeNull();
  });
});
