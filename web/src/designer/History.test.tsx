import { configure, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { json, stubFetch } from "../test/fakeApi";
import { stubReactFlow } from "../test/reactFlow";
import { History } from "./History";
import type { JobDocument } from "./types";

// A busy machine (the whole suite at once) can take more than a second to settle.
configure({ asyncUtilTimeout: 4000 });

beforeAll(() => stubReactFlow());

afterEach(() => {
  vi.unstubAllGlobals();
});

const V1: JobDocument = {
  name: "demo",
  nodes: [
    { id: "a", kind: "command", argv: ["true"] },
    { id: "b", kind: "wait" },
  ],
  edges: [{ from: "a", to: "b" }],
};
const V3: JobDocument = {
  name: "demo",
  nodes: [
    { id: "a", kind: "command", argv: ["false"] },
    { id: "c", kind: "emit", name: "tell" },
  ],
  edges: [{ from: "a", to: "c", on: "failure" }],
};

function versionsPage(latest: number) {
  const items = Array.from({ length: latest }, (_, index) => {
    const version = latest - index;
    const author = version === 1 ? "ada" : "bob";
    return { version, author, comment: `save ${version}`, created_at: "2025-03-01T10:00:00Z" };
  });
  return { items, total: latest, limit: 50, offset: 0 };
}

function diff(from: number, to: number) {
  return {
    name: "demo",
    from_version: from,
    to_version: to,
    same: false,
    text: "--- demo version 1\n+++ demo version 3\n@@ -1,3 +1,3 @@\n name: demo\n-- id: b\n+- id: c\n",
    changed: [],
    nodes: { added: ["c"], removed: ["b"], changed: [{ id: "a", keys: ["argv"] }] },
    edges: { added: [{ from: "a", to: "c", on: "failure" }], removed: [{ from: "a", to: "b" }] },
    inputs: { added: [], removed: [], changed: [] },
    outputs: { added: [], removed: [], changed: [] },
    variables: { added: ["region"], removed: [], changed: [] },
  };
}

interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** A fake control plane: the job "demo" with three versions (four after a restore). */
function server(options: { versionsStatus?: number } = {}) {
  const calls: Call[] = [];
  let latest = 3;
  stubFetch(({ method, url, body }) => {
    calls.push({ method, url, body });
    const path = new URL(url, "http://x");
    if (path.pathname === "/api/jobs/demo/versions") {
      if (options.versionsStatus) {
        return json({ error: "not_found", detail: "no job named demo" }, options.versionsStatus);
      }
      return json(versionsPage(latest));
    }
    if (path.pathname === "/api/jobs/demo/diff") {
      return json(diff(Number(path.searchParams.get("from")), Number(path.searchParams.get("to"))));
    }
    if (path.pathname === "/api/jobs/demo" && method === "GET") {
      const version = Number(path.searchParams.get("version"));
      return json({
        name: "demo",
        version,
        latest_version: latest,
        author: "ada",
        comment: "",
        created_at: "2025-03-01T10:00:00Z",
        description: "",
        owner: "ada",
        locked_by: null,
        locked_at: null,
        document: version === 1 ? V1 : V3,
      });
    }
    if (path.pathname === "/api/jobs/demo/restore" && method === "POST") {
      latest += 1;
      return json({ name: "demo", version: latest, created: false, issues: [], valid: true });
    }
    return undefined;
  });
  return calls;
}

const urls = (calls: Call[]) => calls.map((call) => `${call.method} ${call.url}`);

describe("the version history", () => {
  it("lists the versions and compares the newest two at first", async () => {
    const calls = server();
    render(<History name="demo" canWrite={false} onRestored={vi.fn()} />);
    const table = await screen.findByRole("table");
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    expect(within(table).getByRole("rowheader", { name: /v3/ })).toHaveTextContent("latest");
    expect(within(table).getByText("save 1")).toBeVisible();
    expect(within(table).getByText("ada")).toBeVisible();
    expect(await screen.findByRole("heading", { name: "Changes from version 2 to version 3" })).toBeVisible();
    expect(urls(calls)).toContain("GET /api/jobs/demo/diff?from=2&to=3");
    expect(screen.queryByRole("button", { name: /Restore version/ })).toBeNull();
  });

  it("compares the chosen versions and marks each node by its change", async () => {
    const calls = server();
    render(<History name="demo" canWrite={false} onRestored={vi.fn()} />);
    await userEvent.click(await screen.findByRole("radio", { name: "Compare from version 1" }));
    await userEvent.click(screen.getByRole("radio", { name: "Compare to version 3" }));
    await userEvent.click(screen.getByRole("button", { name: "Compare" }));
    expect(await screen.findByRole("heading", { name: "Changes from version 1 to version 3" })).toBeVisible();
    expect(urls(calls)).toEqual(
      expect.arrayContaining([
        "GET /api/jobs/demo/diff?from=1&to=3",
        "GET /api/jobs/demo?version=1",
        "GET /api/jobs/demo?version=3",
      ]),
    );

    const graph = await screen.findByRole("group", {
      name: "Graph of version 3, with the changes since version 1",
    });
    const node = async (id: string) =>
      (await within(graph).findByText(id, { selector: ".vdiff-node-id" })).closest(".vdiff-node");
    expect(await node("c")).toHaveClass("vdiff-added");
    expect(await node("c")).toHaveTextContent("added");
    expect(await node("b")).toHaveClass("vdiff-removed");
    expect(await node("b")).toHaveTextContent("removed");
    expect(await node("a")).toHaveClass("vdiff-changed");
    expect(await node("a")).toHaveTextContent("changed: argv");
    expect(screen.getByRole("list", { name: "Legend" })).toHaveTextContent("Removed (as in version 1)");

    const changes = screen.getByRole("list", { name: "Changes" });
    expect(within(changes).getByText("node c").closest("li")).toHaveClass("vdiff-change-added");
    expect(within(changes).getByText("node a: argv").closest("li")).toHaveClass("vdiff-change-changed");
    expect(changes).toHaveTextContent("edge a → b on success");
    expect(changes).toHaveTextContent("variable region");

    const text = screen.getByLabelText("Text diff (YAML)");
    expect(within(text).getByText("+- id: c")).toHaveClass("vdiff-line-add");
    expect(within(text).getByText("-- id: b")).toHaveClass("vdiff-line-del");
  });

  it("refuses to compare a version with itself", async () => {
    server();
    render(<History name="demo" canWrite={false} onRestored={vi.fn()} />);
    await userEvent.click(await screen.findByRole("radio", { name: "Compare from version 3" }));
    expect(screen.getByRole("button", { name: "Compare" })).toBeDisabled();
  });

  it("asks before restoring a version, then restores it", async () => {
    const calls = server();
    const restored = vi.fn();
    render(<History name="demo" canWrite onRestored={restored} />);
    expect(await screen.findByRole("table")).toBeVisible();
    expect(screen.queryByRole("button", { name: "Restore version 3" })).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Restore version 1" }));
    const dialog = screen.getByRole("alertdialog", { name: "Restore version 1?" });
    expect(dialog).toHaveTextContent("saved again as version 4");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(calls.filter((call) => call.method === "POST")).toHaveLength(0);

    await userEvent.click(screen.getByRole("button", { name: "Restore version 1" }));
    const again = screen.getByRole("alertdialog");
    const comment = within(again).getByLabelText("Comment");
    await userEvent.clear(comment);
    await userEvent.type(comment, "back to the start");
    await userEvent.click(within(again).getByRole("button", { name: "Restore version 1" }));

    await waitFor(() => expect(restored).toHaveBeenCalledOnce());
    expect(calls.filter((call) => call.method === "POST")).toEqual([
      { method: "POST", url: "/api/jobs/demo/restore", body: { version: 1, comment: "back to the start" } },
    ]);
    expect(await screen.findByRole("rowheader", { name: /v4/ })).toHaveTextContent("latest");
    expect(screen.getByRole("status")).toHaveTextContent("Version 1 restored as version 4.");
  });

  it("says in words why the versions cannot be read", async () => {
    server({ versionsStatus: 404 });
    render(<History name="demo" canWrite onRestored={vi.fn()} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("no job named demo");
  });
});
