import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Permissions } from "./Permissions";
import type { PermissionRecord } from "./adminApi";
import { fakeApi, page, type Call } from "./fakeApi";

afterEach(() => vi.unstubAllGlobals());

const grant = (id: number, fields: Partial<PermissionRecord>): PermissionRecord => ({
  id,
  principal_kind: "user",
  principal: "bob",
  resource_kind: "program",
  resource_name: "sample.add",
  action: "run",
  granted_by: "admin",
  created_at: "2025-01-01T00:00:00Z",
  ...fields,
});

function serve(grants: PermissionRecord[]) {
  return fakeApi({
    "GET /api/permissions": (call) => {
      const kind = new URL(call.url, "http://x").searchParams.get("resource_kind");
      return { body: page(grants.filter((item) => item.resource_kind === kind)) };
    },
    "GET /api/libraries": { body: page([{ name: "sample" }]) },
    "GET /api/users": { body: page([{ name: "bob" }]) },
    "DELETE /api/permissions/3": (call) => {
      grants.splice(grants.findIndex((item) => item.id === 3), 1);
      return { status: 204, body: call };
    },
  });
}

function show(entry: string) {
  render(
    <MemoryRouter initialEntries={[entry]}>
      <Routes>
        <Route path="/admin/permissions" element={<Permissions />} />
      </Routes>
    </MemoryRouter>,
  );
}

const deletes = (calls: Call[]) => calls.filter((call) => call.method === "DELETE");

describe("permissions of one resource", () => {
  it("lists the grants that apply, directly or through a wider one", async () => {
    serve([
      grant(3, {}),
      grant(4, { principal_kind: "group", principal: "AUTHENTICATED", resource_name: "sample.*" }),
      grant(5, { principal: "eve", resource_kind: "library", resource_name: "sample", action: "read" }),
      grant(6, { principal: "zed", resource_name: "other.add" }),
    ]);
    show("/admin/permissions?kind=program&name=sample.add");
    const table = await screen.findByRole("table");
    expect(within(table).getByRole("rowheader", { name: "user bob" })).toBeInTheDocument();
    expect(within(table).getByRole("row", { name: /group AUTHENTICATED run program sample\.\* — inherited/ })).toBeInTheDocument();
    expect(within(table).getByRole("row", { name: /user eve read library sample — inherited/ })).toBeInTheDocument();
    expect(within(table).getByRole("row", { name: /user bob run program sample\.add admin/ })).toBeInTheDocument();
    expect(within(table).queryByText(/zed/)).toBeNull();
  });

  it("asks before revoking: Cancel and Escape keep the grant, Revoke withdraws it", async () => {
    const calls = serve([grant(3, {})]);
    show("/admin/permissions?kind=program&name=sample.add");
    const revoke = await screen.findByRole("button", { name: "Revoke run on program sample.add from user bob" });

    await userEvent.click(revoke);
    let dialog = screen.getByRole("alertdialog", { name: "Revoke run from user bob?" });
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(revoke).toHaveFocus();

    await userEvent.keyboard("{Enter}");
    expect(screen.getByRole("alertdialog")).toBeInTheDocument();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(deletes(calls)).toHaveLength(0);

    await userEvent.click(revoke);
    dialog = screen.getByRole("alertdialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Revoke" }));
    await vi.waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(deletes(calls).map((call) => call.url)).toEqual(["/api/permissions/3"]);
    expect(await screen.findByText(/No grant applies/)).toBeInTheDocument();
  });

  it("keeps the dialog open with the API's refusal in words", async () => {
    fakeApi({
      "GET /api/permissions": { body: page([grant(9, { resource_kind: "job", resource_name: "etl" })]) },
      "GET /api/jobs": { body: page([]) },
      "GET /api/users": { body: page([]) },
      "DELETE /api/permissions/9": { status: 404, body: { error: "not_found", detail: "permission 9 not found" } },
    });
    show("/admin/permissions?kind=job&name=etl");
    await userEvent.click(await screen.findByRole("button", { name: /^Revoke run on job etl/ }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Revoke" }));
    expect(await within(screen.getByRole("alertdialog")).findByRole("alert")).toHaveTextContent(
      "permission 9 not found",
    );
  });
});
