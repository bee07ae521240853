import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useParams } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Me } from "../api";
import type { RunRecord } from "./api";
import { RunActions } from "./RunActions";
import { ME, refusal, runRecord, stubFetch } from "./testing";

function NewRun() {
  return <p>now on run {useParams().id}</p>;
}

function show(run: RunRecord, me: Me = ME, onCancelled = vi.fn()) {
  render(
    <MemoryRouter initialEntries={[`/runs/${run.id}`]}>
      <Routes>
        <Route path="/runs/7" element={<RunActions run={run} me={me} onCancelled={onCancelled} />} />
        <Route path="/runs/:id" element={<NewRun />} />
      </Routes>
    </MemoryRouter>,
  );
  return onCancelled;
}

afterEach(() => vi.unstubAllGlobals());

describe("the run's actions", { timeout: 20000 }, () => {
  it("cancels only after a confirmation", async () => {
    const calls = stubFetch({ "POST /api/runs/7/cancel": runRecord({ state: "CANCELLED" }) });
    const onCancelled = show(runRecord({ state: "RUNNING", finished_at: null }));

    await userEvent.click(screen.getByRole("button", { name: "Cancel run" }));
    const dialog = screen.getByRole("alertdialog", { name: "Cancel run 7?" });
    expect(dialog).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Yes, cancel it" })).toHaveFocus();
    expect(calls).toHaveLength(0);

    await userEvent.click(screen.getByRole("button", { name: "No, keep it" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(calls).toHaveLength(0);

    await userEvent.click(screen.getByRole("button", { name: "Cancel run" }));
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Cancel run" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, cancel it" }));
    await vi.waitFor(() => expect(onCancelled).toHaveBeenCalledWith(expect.objectContaining({ state: "CANCELLED" })));
    expect(calls).toEqual([expect.objectContaining({ method: "POST", path: "/api/runs/7/cancel" })]);
  });

  it("shows the API's refusal in words", async () => {
    stubFetch({
      "POST /api/runs/7/cancel": refusal("you may not cancel run 7"),
    });
    show(runRecord({ state: "QUEUED", started_at: null, finished_at: null }));
    await userEvent.click(screen.getByRole("button", { name: "Cancel run" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, cancel it" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("you may not cancel run 7");
  });

  it("offers no cancel once the run has ended, nor on another user's run without the right", () => {
    stubFetch({});
    show(runRecord({ state: "SUCCEEDED" }));
    expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run again" })).toBeInTheDocument();
  });

  it("hides what another user's run does not allow", () => {
    stubFetch({});
    show(runRecord({ state: "RUNNING", created_by: "bob" }));
    expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Run again" })).not.toBeInTheDocument();
  });

  it("runs again with the same version and inputs, and goes to the new run", async () => {
    const calls = stubFetch({ "POST /api/jobs/hello/runs": runRecord({ id: 8, state: "QUEUED" }) });
    show(runRecord({ inputs: { region: "north", n: 3 } }));
    await userEvent.click(screen.getByRole("button", { name: "Run again" }));
    expect(await screen.findByText("now on run 8")).toBeInTheDocument();
    expect(calls[0].body).toEqual({ inputs: { region: "north", n: 3 }, version: 2 });
  });
});
