import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { ProgramForm } from "./ProgramForm";
import { parameter } from "./testing";
import type { ProgramDetail } from "./types";

afterEach(() => vi.unstubAllGlobals());

const integer = (name: string) =>
  parameter({ name, type: "integer", annotation: "int", description: `the ${name}` });

const ADD: ProgramDetail = {
  name: "sample.add",
  library: "sample",
  program: "add",
  kind: "python",
  summary: "Add two integers.",
  services: ["default", "launch"],
  problem: "",
  broker: "/broker",
  signature: {
    has_main: true,
    parameters: [integer("a"), integer("b")],
    returns: { type: "integer", description: "" },
    summary: "Add two integers.",
    description: "",
    module_summary: "",
    is_async: false,
    accepts_extra: false,
    notes: [],
  },
};

describe("a program's generated form", () => {
  it("refuses a missing field before sending anything", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    render(<ProgramForm detail={ADD} />);
    await userEvent.type(screen.getByLabelText(/^a/), "2");
    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("b: required");
    expect(screen.getByLabelText(/^b/)).toHaveFocus();
    expect(fetch).not.toHaveBeenCalled();
  });

  it("posts the fields to the broker and shows the answer", async () => {
    const fetch = vi.fn().mockResolvedValue(
      new Response("5", { status: 200, headers: { "content-type": "application/json" } }),
    );
    vi.stubGlobal("fetch", fetch);
    render(<ProgramForm detail={ADD} />);
    await userEvent.type(screen.getByLabelText(/^a/), "2");
    await userEvent.type(screen.getByLabelText(/^b/), "3");
    expect(screen.getByLabelText("Broker link")).toHaveValue(
      `${window.location.origin}/broker?_SERVICE=default&_PROGRAM=sample.add&a=2&b=3`,
    );
    await userEvent.selectOptions(screen.getByLabelText("Service"), "launch");
    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByLabelText("Program output")).toHaveTextContent("5");
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/broker");
    expect(init.method).toBe("POST");
    expect(String(init.body)).toBe("_SERVICE=launch&_PROGRAM=sample.add&a=2&b=3");
  });

  it("shows the broker's refusal in its own words", async () => {
    const refusal = { error: "invalid_field", detail: "b: expected an integer, got 'x'" };
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(new Response(JSON.stringify(refusal), { status: 400 })),
    );
    render(<ProgramForm detail={ADD} />);
    await userEvent.type(screen.getByLabelText(/^a/), "1");
    await userEvent.type(screen.getByLabelText(/^b/), "2");
    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("b: expected an integer, got 'x'");
  });

  it("shows HTML answers only in a sandboxed frame", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(
        new Response("<h1>Hi</h1><script>parent.x=1</script>", {
          headers: { "content-type": "text/html; charset=utf-8" },
        }),
      ),
    );
    render(<ProgramForm detail={{ ...ADD, signature: { ...ADD.signature!, parameters: [] } }} />);
    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    const frame = await screen.findByTitle("Program output");
    expect(frame).toHaveAttribute("sandbox", "");
    expect(frame.getAttribute("srcdoc")).toContain("<h1>Hi</h1>");
  });
});
