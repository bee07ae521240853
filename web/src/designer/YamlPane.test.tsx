import { configure, fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import type { JobDocument } from "./types";
import { YamlPane } from "./YamlPane";

// The debounce is 300 ms; a busy machine (the whole suite at once) needs a margin above it.
configure({ asyncUtilTimeout: 4000 });

const JOB: JobDocument = {
  nodes: [{ id: "first", kind: "command", argv: ["true"] }],
  edges: [],
  name: "hello",
  description: "says hello",
};

function textArea(): HTMLTextAreaElement {
  return screen.getByLabelText("Job as YAML");
}

function write(value: string) {
  fireEvent.change(textArea(), { target: { value } });
}

/** The pane inside a parent that keeps the job, as the designer does. */
function Parent({ spy, start = JOB }: { spy: (job: JobDocument) => void; start?: JobDocument }) {
  const [job, setJob] = useState(start);
  return (
    <>
      <YamlPane
        job={job}
        readOnly={false}
        onChange={(next) => {
          spy(next);
          setJob(next);
        }}
      />
      <button
        type="button"
        onClick={() => setJob({ ...job, nodes: [...job.nodes, { id: "added", kind: "wait" }] })}
      >
        Canvas edit
      </button>
      <output aria-label="Nodes">{job.nodes.map((node) => node.id).join(",")}</output>
    </>
  );
}

describe("the YAML pane", () => {
  it("shows the job with its keys in a stable order", () => {
    render(<YamlPane job={JOB} onChange={vi.fn()} readOnly={false} />);
    const text = textArea().value;
    expect(text.indexOf("name: hello")).toBe(0);
    expect(text.indexOf("description:")).toBeLessThan(text.indexOf("nodes:"));
    expect(text.indexOf("nodes:")).toBeLessThan(text.indexOf("edges:"));
    expect(text.indexOf("id: first")).toBeLessThan(text.indexOf("kind: command"));
  });

  it("hands a parsed edit to onChange after a pause", async () => {
    const spy = vi.fn();
    render(<Parent spy={spy} />);
    write(
      "name: hello\nnodes:\n  - id: first\n    kind: command\n    argv: [echo, hi]\n" +
        "  - id: second\n    kind: wait\n",
    );
    await waitFor(() => expect(spy).toHaveBeenCalledOnce());
    expect(spy.mock.calls[0][0]).toEqual({
      name: "hello",
      nodes: [
        { id: "first", kind: "command", argv: ["echo", "hi"] },
        { id: "second", kind: "wait" },
      ],
    });
    expect(screen.getByLabelText("Nodes")).toHaveTextContent("first,second");
  });

  it("keeps the user's own text when the graph echoes the same document", async () => {
    const spy = vi.fn();
    render(<Parent spy={spy} />);
    const mine = "# my note\nname: hello\nnodes: [{id: first, kind: command, argv: ['false']}]\n";
    write(mine);
    await waitFor(() => expect(spy).toHaveBeenCalledOnce());
    expect(textArea().value).toBe(mine);
  });

  it("types with the keyboard and reads the text once typing rests", async () => {
    const spy = vi.fn();
    render(<Parent spy={spy} />);
    const area = textArea();
    area.setSelectionRange(0, "name: hello".length);
    await userEvent.type(area, "name: howdy", {
      initialSelectionStart: 0,
      initialSelectionEnd: "name: hello".length,
    });
    await waitFor(() => expect(spy).toHaveBeenCalled());
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.lastCall?.[0]).toMatchObject({ name: "howdy" });
  });

  it("shows a syntax error with its line and column and keeps the last good document", async () => {
    const spy = vi.fn();
    render(<Parent spy={spy} />);
    write("name: hello\nnodes:\n  - id: first\n   kind: [command\n");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(/Line \d+, column \d+/);
    expect(alert.textContent).toMatch(/Line [34],/);
    expect(textArea()).toHaveAttribute("aria-invalid", "true");
    expect(spy).not.toHaveBeenCalled();
    expect(screen.getByLabelText("Nodes")).toHaveTextContent("first");
  });

  it("refuses anchors and aliases", async () => {
    const spy = vi.fn();
    render(<Parent spy={spy} />);
    write("name: hello\nnodes:\n  - &a {id: one, kind: wait}\n  - *a\n");
    expect(await screen.findByRole("alert")).toHaveTextContent(/Line 3, column 5: anchors and aliases/);
    expect(spy).not.toHaveBeenCalled();
  });

  it("refuses a document without a nodes list", async () => {
    const spy = vi.fn();
    render(<Parent spy={spy} />);
    write("name: hello\nnodes: nope\n");
    expect(await screen.findByRole("alert")).toHaveTextContent("a mapping with a nodes list");
    expect(spy).not.toHaveBeenCalled();
  });

  it("rewrites the text when the job changes elsewhere", async () => {
    const spy = vi.fn();
    render(<Parent spy={spy} />);
    write("name: hello\nnodes: [");
    await screen.findByRole("alert");
    await userEvent.click(screen.getByRole("button", { name: "Canvas edit" }));
    expect(textArea().value).toContain("id: added");
    expect(textArea().value).toContain("id: first");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(spy).not.toHaveBeenCalled();
  });

  it("follows a new job given by the parent", () => {
    const { rerender } = render(<YamlPane job={JOB} onChange={vi.fn()} readOnly />);
    rerender(<YamlPane job={{ ...JOB, name: "renamed" }} onChange={vi.fn()} readOnly />);
    expect(textArea().value.startsWith("name: renamed")).toBe(true);
    expect(textArea()).toHaveAttribute("readonly");
  });

  it("keeps the cursor where it was when the text is rewritten", () => {
    const { rerender } = render(<YamlPane job={JOB} onChange={vi.fn()} readOnly={false} />);
    const area = textArea();
    area.focus();
    area.setSelectionRange(3, 3);
    const changed = { ...JOB, description: "changed on the canvas" };
    rerender(<YamlPane job={changed} onChange={vi.fn()} readOnly={false} />);
    expect(area.value).toContain("changed on the canvas");
    expect(area.selectionStart).toBe(3);
    expect(document.activeElement).toBe(area);
  });
});
