import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { attempt } from "./testing";
import { placeBars, ticks, Timeline } from "./Timeline";

const START = "2025-01-02T10:00:00Z";
const at = (second: number) => new Date(Date.parse(START) + second * 1000).toISOString();

describe("the timeline", () => {
  it("places a bar per attempt from its start to its finish", () => {
    const attempts = [
      attempt("b", "SUCCEEDED", at(5), at(10)),
      attempt("a", "FAILED", at(0), at(5)),
      attempt("a", "SUCCEEDED", at(5), at(6), { attempt: 2 }),
      attempt("never", "SKIPPED", null, null),
    ];
    const { bars, span } = placeBars(attempts, START, Date.parse(at(60)));
    expect(span).toBe(10000);
    expect(bars.map((bar) => [bar.run.node, bar.run.attempt, bar.start, bar.width])).toEqual([
      ["a", 1, 0, 0.5],
      ["a", 2, 0.5, 0.1],
      ["b", 1, 0.5, 0.5],
    ]);

    render(<Timeline attempts={attempts} runStarted={START} now={Date.parse(at(60))} />);
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual(["a", "a (attempt 2)", "b"]);
    const bar = within(rows[2]).getByTestId("gantt-bar");
    expect(bar.style.left).toBe("50%");
    expect(bar.style.width).toBe("50%");
    expect(rows[0]).toHaveTextContent("FAILED");
    expect(screen.getByText(/1 more attempt recorded without a start/)).toBeInTheDocument();
  });

  it("grows a running attempt's bar until now", () => {
    const attempts = [attempt("done", "SUCCEEDED", at(0), at(2)), attempt("slow", "RUNNING", at(2), null)];
    const early = placeBars(attempts, START, Date.parse(at(4)));
    const later = placeBars(attempts, START, Date.parse(at(10)));
    const slow = (axis: typeof early) => axis.bars.find((bar) => bar.run.node === "slow")!;
    expect(slow(early).going).toBe(true);
    expect(slow(early).seconds).toBe(2);
    expect(slow(later).seconds).toBe(8);
    expect(slow(later).width).toBeCloseTo(0.8);

    render(<Timeline attempts={attempts} runStarted={START} now={Date.parse(at(10))} />);
    expect(screen.getByRole("row", { name: /slow/ })).toHaveTextContent("8.0 s so far");
  });

  it("says when nothing has started", () => {
    render(<Timeline attempts={[]} runStarted={null} now={Date.now()} />);
    expect(screen.getByText("No node has started yet.")).toBeInTheDocument();
  });
});

describe("the time axis", () => {
  it("marks round times", () => {
    expect(ticks(10000).map(([, value]) => value)).toEqual([0, 5, 10]);
    expect(ticks(2200).map(([, value]) => value)).toEqual([0, 1, 2]);
    const marks = ticks(120);
    expect(marks.map(([, value]) => value)).toEqual([0, 0.05, 0.1]);
    expect(marks[2][0]).toBeCloseTo(100 / 120);
  });
});
