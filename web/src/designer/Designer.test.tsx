import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { stubReactFlow } from "../test/reactFlow";
import { CATALOG, DESIGNER, fakeApi, jobView, renderAt, Reply } from "./testing";
import type { JobDocument } from "./types";

beforeAll(() => {
  stubReactFlow();
  // React Flow renders slowly in jsdom on a busy machine.
  configure({ asyncUtilTimeout: 5000 });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const DEMO: JobDocument = {
  name: "demo",
  inputs: { year: { type: "integer", default: 2024 } },
  nodes: [
    { id: "add", kind: "program", program: "sample.add", bindings: { a: "inputs.year", b: 1 }, position: { x: 0, y: 0 } },
    { id: "check", kind: "if", condition: "true", position: { x: 250, y: 0 } },
    { id: "done", kind: "command", argv: ["true"], position: { x: 500, y: 0 } },
  ],
  edges: [
    { from: "add", to: "check" },
    { from: "check", to: "done", slot: "then" },
  ],
};

function openDemo(extra: Record<string, unknown> = {}, fields = {}) {
  return fakeApi({
    ...CATALOG,
    "GET /api/jobs/demo": jobView(DEMO, fields),
    "POST /api/jobs/demo/lock": { name: "demo", locked_by: "ada" },
    "DELETE /api/jobs/demo/lock": { name: "demo", locked_by: null },
    ...extra,
  });
}

const canvasNode = (id: string) => document.querySelector(`.react-flow__node[data-id="${id}"]`) as HTMLElement;

describe("the job designer", { timeout: 30000 }, () => {
  it("adds a palette item with its Add button, as a node with its component's inputs", async () => {
    const calls = fakeApi(CATALOG);
    renderAt("/jobs/new");
    await userEvent.click(await screen.findByRole("button", { name: "Add sample.add" }));

    expect(await screen.findByRole("heading", { name: "program node add" })).toBeInTheDocument();
    await waitFor(() => expect(canvasNode("add")).not.toBeNull());
    expect(await screen.findByLabelText("a (integer, required)")).toBeInTheDocument();
    expect(screen.getByLabelText("b (integer, required)")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Add if" }));
    expect(await screen.findByRole("heading", { name: "if node if_1" })).toBeInTheDocument();
    // The document validated is the one drawn: both nodes, the program's as chosen.
    await waitFor(() => {
      const posted = calls.filter((call) => call.path === "/api/jobs/validate").at(-1)?.body as JobDocument;
      expect(posted.nodes.map((node) => [node.id, node.kind])).toEqual([
        ["add", "program"],
        ["if_1", "if"],
      ]);
      expect(posted.nodes[0].program).toBe("sample.add");
    });
  });

  it("edits the YAML beside the graph, and the graph follows", async () => {
    openDemo();
    localStorage.removeItem("baton.designer.beside");
    renderAt("/jobs/demo");
    expect(await screen.findByText("You hold the edit lock.")).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText("YAML beside the graph"));
    const beside = screen.getByRole("region", { name: "YAML beside the graph" });
    expect(screen.queryByRole("tab", { name: "YAML" })).toBeNull(); // one YAML view at a time
    const text = within(beside).getByLabelText("Job as YAML") as HTMLTextAreaElement;
    expect(text.value).toContain("id: check");
    fireEvent.change(text, { target: { value: text.value.replace(/id: done/, "id: finish") } });
    fireEvent.blur(text);
    await waitFor(() => expect(canvasNode("finish")).not.toBeNull());
    expect(canvasNode("done")).toBeNull();
    expect(localStorage.getItem("baton.designer.beside")).toBe("1");
    localStorage.removeItem("baton.designer.beside");
  });

  it("drops a dragged palette item where it is dropped", async () => {
    const calls = fakeApi(CATALOG);
    renderAt("/jobs/new");
    const item = (await screen.findByRole("button", { name: "Add sample.add" })).closest("li") as HTMLElement;
    const carried = new Map<string, string>();
    const transfer = {
      types: [] as string[],
      setData: (type: string, value: string) => {
        carried.set(type, value);
        transfer.types.push(type);
      },
      getData: (type: string) => carried.get(type) ?? "",
      effectAllowed: "",
      dropEffect: "",
    };
    fireEvent.dragStart(item, { dataTransfer: transfer });
    const canvas = screen.getByTestId("canvas");
    fireEvent.dragOver(canvas, { dataTransfer: transfer, clientX: 300, clientY: 200 });
    fireEvent.drop(canvas, { dataTransfer: transfer, clientX: 300, clientY: 200 });

    expect(await screen.findByRole("heading", { name: "program node add" })).toBeInTheDocument();
    await waitFor(() => {
      const posted = calls.filter((call) => call.path === "/api/jobs/validate").at(-1)?.body as JobDocument;
      expect(posted.nodes).toEqual([{ id: "add", kind: "program", program: "sample.add" }]);
    });
    // (Where it lands is checked in a real browser: jsdom's drag events have no coordinates.)
  });

  it("changes an edge's kind, and saves it with a comment", async () => {
    const calls = openDemo({ "PUT /api/jobs/demo": { name: "demo", version: 2, created: false, issues: [], valid: true } });
    renderAt("/jobs/demo");
    expect(await screen.findByText("You hold the edit lock.")).toBeInTheDocument();

    fireEvent.click(canvasNode("add"));
    await userEvent.click(await screen.findByRole("button", { name: "to check (on success)" }));
    expect(screen.getByRole("heading", { name: "Edge add → check" })).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Taken"), "condition");
    const condition = screen.getByRole("combobox", { name: "Condition" });
    await userEvent.clear(condition);
    await userEvent.type(condition, "nodes.add.result > 3");

    await userEvent.type(screen.getByLabelText("Comment"), "only when big");
    await userEvent.click(screen.getByRole("button", { name: "Save version" }));
    expect(await screen.findByText("Saved version 2.")).toBeInTheDocument();
    const put = calls.find((call) => call.method === "PUT");
    expect(put?.path).toBe("/api/jobs/demo?comment=only%20when%20big");
    expect((put?.body as JobDocument).edges?.[0]).toEqual({ from: "add", to: "check", on: "condition", condition: "nodes.add.result > 3" });
  });

  it("completes the variables in scope with their types", async () => {
    openDemo();
    renderAt("/jobs/demo");
    await screen.findByText("You hold the edit lock.");
    fireEvent.click(canvasNode("check"));
    const condition = await screen.findByRole("combobox", { name: "Condition" });
    await userEvent.clear(condition);
    await userEvent.type(condition, "nodes.");

    const list = await screen.findByRole("listbox", { name: "Variables for Condition" });
    await waitFor(() => expect(within(list).getByRole("option", { name: /nodes\.add\.result/ })).toHaveTextContent("integer"));
    // Only nodes that run before it: not itself, not the command after it.
    expect(within(list).queryByRole("option", { name: /nodes\.done/ })).toBeNull();
    expect(within(list).queryByRole("option", { name: /nodes\.check/ })).toBeNull();

    await userEvent.keyboard("{Enter}");
    expect(condition).toHaveValue("nodes.add.result");
    await userEvent.clear(condition);
    await userEvent.type(condition, "inp");
    expect(await screen.findByRole("option", { name: /inputs\.year/ })).toHaveTextContent("integer");
  });

  it("shows validation issues on their nodes and in the list; a click selects the node", async () => {
    const issue = { code: "type_mismatch", message: "input 'a' of 'add' takes integer, but gets string", node: "add", path: "nodes[0].bindings.a", severity: "error" };
    const argv = { code: "expression", message: "bad template", node: null, path: "nodes[2].argv[0]", severity: "warning" };
    openDemo({ "POST /api/jobs/validate": { issues: [issue, argv], valid: false } });
    renderAt("/jobs/demo");

    expect(await screen.findByText(/1 error, 1 warning/)).toBeInTheDocument();
    await waitFor(() => expect(canvasNode("add")).toHaveAttribute("aria-label", "program node add, 1 error, 0 warnings"));
    expect(canvasNode("done")).toHaveAttribute("aria-label", "command node done, 0 errors, 1 warning");
    expect(canvasNode("check")).toHaveAttribute("aria-label", "if node check");
    expect(within(canvasNode("add")).getByLabelText("1 issue")).toBeInTheDocument();

    const row = screen.getByRole("row", { name: /type_mismatch/ });
    await userEvent.click(within(row).getByRole("button", { name: "Select node add" }));
    expect(screen.getByRole("heading", { name: "program node add" })).toBeInTheDocument();
    expect(screen.getByText(issue.message, { selector: ".designer-inline" })).toBeInTheDocument();
  });

  it("places a document the server cannot read on its node", async () => {
    openDemo({
      "POST /api/jobs/validate": new Reply(400, {
        error: "invalid_job_document",
        detail: "the job document is not valid: nodes[1].condition: String should have at least 1 character",
      }),
    });
    renderAt("/jobs/demo");
    await waitFor(() => expect(canvasNode("check")).toHaveAttribute("aria-label", "if node check, 1 error, 0 warnings"));
    expect(screen.getByRole("row", { name: /invalid_document check String should have/ })).toBeInTheDocument();
  });

  it("is read-only while someone else holds the lock", async () => {
    const calls = openDemo({}, { locked_by: "bob", locked_at: "2025-01-02T10:00:00Z", owner: "carl" });
    renderAt("/jobs/demo");
    expect(await screen.findByText(/Read-only: locked by/)).toHaveTextContent("bob");
    await waitFor(() => expect(canvasNode("check")).not.toBeNull());
    expect(screen.queryByRole("button", { name: "Save version" })).toBeNull();
    expect(screen.queryByRole("heading", { name: "Palette" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Add / })).toBeNull();
    expect(screen.queryByRole("button", { name: "Break the lock" })).toBeNull();
    fireEvent.click(canvasNode("check"));
    expect(await screen.findByRole("combobox", { name: "Condition" })).toHaveAttribute("readonly");
    expect(calls.some((call) => call.path.endsWith("/lock"))).toBe(false);
  });

  it("takes the lock, shows a refusal as read-only, and releases the lock on leaving", async () => {
    const calls = openDemo();
    const { unmount } = renderAt("/jobs/demo");
    await screen.findByText("You hold the edit lock.");
    unmount();
    await waitFor(() => expect(calls.some((call) => call.method === "DELETE" && call.path === "/api/jobs/demo/lock")).toBe(true));

    vi.unstubAllGlobals();
    openDemo({ "POST /api/jobs/demo/lock": new Reply(403, { error: "forbidden", detail: "not allowed" }) });
    renderAt("/jobs/demo", { ...DESIGNER, capabilities: [] });
    expect(await screen.findByText("Read-only: you may read this job but not change it.")).toBeInTheDocument();
  });

  it("runs the job from a form of its inputs, then opens the run", async () => {
    const calls = openDemo({ "POST /api/jobs/demo/runs": { id: 42, job: "demo", state: "QUEUED" } });
    renderAt("/jobs/demo");
    await screen.findByText("You hold the edit lock.");
    await userEvent.click(screen.getByRole("button", { name: "Run…" }));
    const year = screen.getByLabelText("year (integer)");
    expect(year).toHaveValue(2024);
    await userEvent.clear(year);
    await userEvent.type(year, "2025");
    await userEvent.click(screen.getByRole("button", { name: "Start run" }));
    expect(await screen.findByText("Run page 42")).toBeInTheDocument();
    expect(calls.find((call) => call.path === "/api/jobs/demo/runs")?.body).toEqual({ inputs: { year: 2025 } });
  });
});
