import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { fakeApi, kernel, ME } from "./fakeApi";
import { Workspaces } from "./Workspaces";

afterEach(() => {
  vi.unstubAllGlobals();
});

const NO_DEFINITIONS = { items: [], total: 0, limit: 100, offset: 0 };

function page() {
  render(<Workspaces me={ME} />);
}

describe("the workspaces page", () => {
  it("runs the code on Ctrl+Enter (not on Enter) and shows the answer", async () => {
    let count = 0;
    const calls = fakeApi({
      "GET /api/workspaces": () => [kernel("k1")],
      "GET /api/server-definitions": () => NO_DEFINITIONS,
      "POST /api/workspaces/k1/execute": () => ({
        status: "ok",
        execution_count: ++count,
        outputs: [{ type: "stream", name: "stdout", text: "2\n" }],
      }),
    });
    page();
    const code = await screen.findByLabelText("Code");
    await userEvent.type(code, "print(1 + 1){Enter}");
    expect(calls.filter((call) => call.path.endsWith("/execute"))).toHaveLength(0);
    expect(code).toHaveValue("print(1 + 1)\n");

    await userEvent.clear(code);
    await userEvent.type(code, "print(1 + 1)");
    await userEvent.keyboard("{Control>}{Enter}{/Control}");

    const transcript = await screen.findByRole("list", { name: "Transcript of kernel k1" });
    expect(await within(transcript).findByText("In [1]:")).toBeVisible();
    expect(within(transcript).getByText("2")).toBeVisible();
    expect(calls.find((call) => call.path === "/api/workspaces/k1/execute")?.body).toEqual({
      code: "print(1 + 1)",
      timeout: 30,
    });
    expect(code).toHaveValue("");

    // Cmd+Enter too (macOS).
    await userEvent.type(code, "x = 3");
    await userEvent.keyboard("{Meta>}{Enter}{/Meta}");
    expect(await within(transcript).findByText("In [2]:")).toBeVisible();
  });

  it("recalls earlier inputs with Up at the start and Down at the end", async () => {
    fakeApi({
      "GET /api/workspaces": () => [kernel("k1")],
      "GET /api/server-definitions": () => NO_DEFINITIONS,
      "POST /api/workspaces/k1/execute": () => ({ status: "ok", execution_count: 1, outputs: [] }),
    });
    page();
    const code = await screen.findByLabelText("Code");
    for (const line of ["a = 1", "b = 2"]) {
      await userEvent.type(code, line);
      await userEvent.keyboard("{Control>}{Enter}{/Control}");
      await screen.findByText(line, { selector: "pre" });
    }
    await userEvent.type(code, "draft");
    // The caret is at the end of "draft": Up moves it, it does not recall yet.
    await userEvent.keyboard("{ArrowUp}");
    (code as HTMLTextAreaElement).setSelectionRange(0, 0);
    await userEvent.keyboard("{ArrowUp}");
    expect(code).toHaveValue("b = 2");
    (code as HTMLTextAreaElement).setSelectionRange(0, 0);
    await userEvent.keyboard("{ArrowUp}");
    expect(code).toHaveValue("a = 1");
    (code as HTMLTextAreaElement).setSelectionRange(5, 5);
    await userEvent.keyboard("{ArrowDown}");
    expect(code).toHaveValue("b = 2");
    (code as HTMLTextAreaElement).setSelectionRange(5, 5);
    await userEvent.keyboard("{ArrowDown}");
    expect(code).toHaveValue("draft");
  });

  it("shows the kernel's refusal in the cell", async () => {
    fakeApi({
      "GET /api/workspaces": () => [kernel("k1")],
      "GET /api/server-definitions": () => NO_DEFINITIONS,
      "POST /api/workspaces/k1/execute": () => [409, { error: "conflict", detail: "kernel k1 is not running" }],
    });
    page();
    await userEvent.type(await screen.findByLabelText("Code"), "1");
    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("kernel k1 is not running");
  });

  it("hides the connection key until Show", async () => {
    fakeApi({
      "GET /api/workspaces": () => [kernel("k1")],
      "GET /api/server-definitions": () => NO_DEFINITIONS,
    });
    page();
    const info = await screen.findByLabelText("Connection file");
    expect(info).toHaveTextContent('"shell_port": 50001');
    expect(document.body).not.toHaveTextContent("s3cr3t-hmac-key");
    await userEvent.click(screen.getByRole("button", { name: "Show key" }));
    expect(info).toHaveTextContent('"key": "s3cr3t-hmac-key-0123456789abcdef"');
    await userEvent.click(screen.getByRole("button", { name: "Hide key" }));
    expect(document.body).not.toHaveTextContent("s3cr3t-hmac-key");
    expect(screen.getByRole("button", { name: "Download kernel-k1.json" })).toBeEnabled();
  });

  it("copies the whole connection file, key included", async () => {
    fakeApi({
      "GET /api/workspaces": () => [kernel("k1")],
      "GET /api/server-definitions": () => NO_DEFINITIONS,
    });
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    page();
    await userEvent.click(await screen.findByRole("button", { name: "Copy connection info" }));
    expect(await screen.findByText("Copied.")).toBeVisible();
    const copied = JSON.parse(writeText.mock.calls[0][0] as string) as Record<string, unknown>;
    expect(copied.key).toBe("s3cr3t-hmac-key-0123456789abcdef");
    expect(copied.iopub_port).toBe(50002);
  });

  it("starts a kernel of the chosen definition and opens it", async () => {
    const running = [kernel("k1")];
    const calls = fakeApi({
      "GET /api/workspaces": () => running,
      "GET /api/server-definitions": () => ({
        items: [
          { name: "ws", kind: "workspace", description: "", enabled: true },
          { name: "gpu", kind: "workspace", description: "With a GPU", enabled: true },
          { name: "off", kind: "workspace", description: "", enabled: false },
        ],
        total: 3,
        limit: 100,
        offset: 0,
      }),
      "POST /api/workspaces": () => {
        running.push(kernel("k2", { definition: "gpu" }));
        return running[1];
      },
    });
    page();
    const choice = await screen.findByLabelText("Workspace definition");
    expect(within(choice).getAllByRole("option").map((option) => option.textContent)).toEqual([
      "ws",
      "gpu — With a GPU",
    ]);
    await userEvent.selectOptions(choice, "gpu");
    await userEvent.click(screen.getByRole("button", { name: "Start a kernel" }));
    expect(await screen.findByRole("heading", { name: /Kernel k2/ })).toBeVisible();
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({ definition: "gpu" });
  });

  it("lets the server choose when the user may read no definition, and says why it refused", async () => {
    const calls = fakeApi({
      "GET /api/workspaces": () => [],
      "GET /api/server-definitions": () => NO_DEFINITIONS,
      "POST /api/workspaces": () => [403, { error: "forbidden", detail: "you may not run any workspace definition" }],
    });
    page();
    expect(await screen.findByText(/No kernel running/)).toBeVisible();
    expect(screen.queryByLabelText("Workspace definition")).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Start a kernel" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("you may not run any workspace definition");
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({});
  });

  it("stops a kernel only once confirmed", async () => {
    let running = [kernel("k1")];
    const calls = fakeApi({
      "GET /api/workspaces": () => running,
      "GET /api/server-definitions": () => NO_DEFINITIONS,
      "DELETE /api/workspaces/k1": () => {
        running = [];
        return undefined;
      },
    });
    page();
    await userEvent.click(await screen.findByRole("button", { name: "Stop kernel k1" }));
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(calls.some((call) => call.method === "DELETE")).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Stop kernel k1" }));
    const confirm = screen.getByRole("button", { name: "Stop kernel" });
    expect(confirm).toHaveFocus();
    await userEvent.click(confirm);
    expect(await screen.findByText(/No kernel running/)).toBeVisible();
    expect(calls.filter((call) => call.method === "DELETE")).toHaveLength(1);
    expect(screen.queryByLabelText("Code")).toBeNull();
  });

  it("says in words when the list cannot be read", async () => {
    fakeApi({
      "GET /api/workspaces": () => [503, { error: "unavailable", detail: "the spawner is not running" }],
      "GET /api/server-definitions": () => NO_DEFINITIONS,
    });
    page();
    expect(await screen.findByRole("alert")).toHaveTextContent("the spawner is not running");
  });
});
