import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { JobDocument } from "./api";
import { layoutJob } from "./layout";
import { statusOf } from "./paths";
import { RunGraph } from "./RunGraph";
import { STATE_COLOURS } from "./states";
import { stubReactFlow } from "../test/reactFlow";
import { attempt, RUN_PANE } from "./testing";

const JOB: JobDocument = {
  name: "hello",
  nodes: [
    { id: "fetch", kind: "command" },
    { id: "each", kind: "foreach", body: { nodes: [{ id: "greet", kind: "program" }] } },
    { id: "report", kind: "command" },
  ],
  edges: [
    { from: "fetch", to: "each" },
    { from: "each", to: "report", on: "failure" },
  ],
};

const RECORDS = [
  attempt("fetch", "SUCCEEDED", "2025-01-02T10:00:01Z", "2025-01-02T10:00:02Z"),
  attempt("each", "RUNNING", "2025-01-02T10:00:02Z", null),
  attempt("each[0].greet", "SUCCEEDED", "2025-01-02T10:00:02Z", "2025-01-02T10:00:03Z"),
  attempt("each[1].greet", "FAILED", "2025-01-02T10:00:02Z", "2025-01-02T10:00:04Z"),
];

function draw(onSelect = vi.fn(), selected: string | null = null) {
  const layout = layoutJob(JOB);
  const statuses = new Map(layout.boxes.map((box) => [box.key, statusOf(box.key, RECORDS)]));
  render(<RunGraph layout={layout} statuses={statuses} selected={selected} onSelect={onSelect} />);
  return onSelect;
}

beforeEach(() => stubReactFlow(RUN_PANE));

describe("the run graph", () => {
  it("labels every node with its id and state, and colours it by state", () => {
    draw();
    const fetch = screen.getByLabelText("fetch: SUCCEEDED");
    const each = screen.getByLabelText("each: RUNNING");
    // Two items: one succeeded, one failed; the node shows the one that went wrong.
    const greet = screen.getByLabelText("greet: FAILED");
    const report = screen.getByLabelText("report: PENDING");
    const fill = (element: HTMLElement) => (element.querySelector("[data-state]") as HTMLElement).style.background;
    const rgb = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
      return `rgb(${r}, ${g}, ${b})`;
    };
    expect(fill(fetch)).toBe(rgb(STATE_COLOURS.SUCCEEDED.fill));
    expect(fill(greet)).toBe(rgb(STATE_COLOURS.FAILED.fill));
    expect(fill(report)).toBe(rgb(STATE_COLOURS.PENDING.fill));
    expect(fill(each)).not.toBe(fill(fetch));
    expect(greet).toHaveTextContent("2 instances");
  });

  it("draws a container's body inside it", () => {
    const layout = layoutJob(JOB);
    const greet = layout.boxes.find((box) => box.key === "each[*].greet");
    expect(greet?.parent).toBe("each");
    const each = layout.boxes.find((box) => box.key === "each");
    expect(each?.inside).toEqual(["each[*].greet"]);
    const fetchBox = layout.boxes.find((box) => box.key === "fetch");
    // Left to right: fetch, then each, then report.
    expect(fetchBox!.x).toBeLessThan(each!.x);
    expect(each!.x + each!.width).toBeLessThan(layout.boxes.find((box) => box.key === "report")!.x);
  });

  it("keeps the positions the designer saved", () => {
    const placed = layoutJob({
      name: "p",
      nodes: [
        { id: "a", kind: "command", position: { x: 400, y: 10 } },
        { id: "b", kind: "command", position: { x: 0, y: 200 } },
      ],
    });
    const [a, b] = placed.boxes;
    expect(a.x).toBeGreaterThan(b.x);
    expect(a.y).toBeLessThan(b.y);
  });

  it("selects a node from the keyboard", async () => {
    const onSelect = draw();
    const button = screen.getByLabelText("fetch: SUCCEEDED").querySelector("button") as HTMLButtonElement;
    button.focus();
    await userEvent.keyboard("{Enter}");
    expect(onSelect).toHaveBeenCalledWith("fetch");
  });
});
