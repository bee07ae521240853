import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { Console } from "./Console";
import type { Cell, Output } from "./types";

function cellWith(outputs: Output[], status: "ok" | "error" | "timeout" = "ok"): Cell {
  return {
    id: 1,
    code: "show()",
    timeout: 30,
    answer: { status, execution_count: 7, outputs },
    problem: null,
  };
}

function show(cell: Cell) {
  render(<Console kernel="k1" cells={[cell]} onRun={() => undefined} onClear={() => undefined} />);
}

describe("the console's outputs", () => {
  it("shows the input with its execution count, and stdout and stderr apart", () => {
    show(
      cellWith([
        { type: "stream", name: "stdout", text: "hello\n" },
        { type: "stream", name: "stderr", text: "careful\n" },
      ]),
    );
    expect(screen.getByText("In [7]:")).toBeVisible();
    expect(screen.getByText("show()")).toBeVisible();
    expect(screen.getByText("hello")).toBeVisible();
    const stderr = screen.getByRole("group", { name: "Standard error" });
    expect(stderr).toHaveTextContent("careful");
    expect(stderr).not.toHaveTextContent("hello");
  });

  it("shows a plain result after Out[n]", () => {
    show(cellWith([{ type: "result", data: { "text/plain": "2" } }]));
    expect(screen.getByText("Out[7]:")).toBeVisible();
    expect(screen.getByText("2")).toBeVisible();
  });

  it("shows HTML only in a sandboxed frame, never in the page", () => {
    const html = "<b id='bold'>bold</b><script>parent.hacked = 1</script>";
    show(cellWith([{ type: "result", data: { "text/html": html, "text/plain": "<HTML>" } }]));
    const frame = screen.getByTitle("Result 7");
    expect(frame.tagName).toBe("IFRAME");
    expect(frame).toHaveAttribute("sandbox", "");
    expect(frame).toHaveAttribute("srcdoc", html);
    expect(document.getElementById("bold")).toBeNull();
  });

  it("shows a PNG as an image from its base64", () => {
    show(cellWith([{ type: "display", data: { "image/png": "iVBORw0KGgo=", "text/plain": "<Figure>" } }]));
    const image = screen.getByRole("img", { name: "Displayed output" });
    expect(image).toHaveAttribute("src", "data:image/png;base64,iVBORw0KGgo=");
    expect(screen.queryByText("<Figure>")).toBeNull();
  });

  it("shows an error with its traceback, without terminal colours", () => {
    show(
      cellWith(
        [
          {
            type: "error",
            ename: "ZeroDivisionError",
            evalue: "division by zero",
            traceback: ["\u001b[0;31mZeroDivisionError\u001b[0m Traceback", "----> 1 1/0"],
          },
        ],
        "error",
      ),
    );
    const error = screen.getByRole("group", { name: "Error: ZeroDivisionError" });
    expect(error).toHaveTextContent("ZeroDivisionError: division by zero");
    expect(error).toHaveTextContent("ZeroDivisionError Traceback ----> 1 1/0");
    expect(error.textContent).not.toContain("\u001b");
  });

  it("says when the kernel did not answer in time", () => {
    show(cellWith([], "timeout"));
    expect(screen.getByRole("alert")).toHaveTextContent("Interrupted after 30 s");
  });

  it("says so when a rich output has no form it can show", () => {
    show(cellWith([{ type: "display", data: { "application/vnd.custom": "{}" } }]));
    expect(screen.getByText(/cannot show \(application\/vnd.custom\)/)).toBeVisible();
  });
});
