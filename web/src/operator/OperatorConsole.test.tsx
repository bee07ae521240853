import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Me } from "../api";
import { FREE, SERVER, changes, healthy, stubApi, type Route } from "./fakeApi";
import { OperatorConsole } from "./OperatorConsole";
import type { SessionView } from "./types";

const OPERATOR: Me = {
  user: { id: 2, name: "oper", display_name: "", auth_source: "local" },
  capabilities: ["operate"],
  groups: [],
  method: "session",
};

const MINE: SessionView = {
  holder: "oper",
  since: "2025-01-01T12:00:00Z",
  yours: true,
  lapse_seconds: 300,
};

const taken: Route = ({ method, path }) =>
  method === "POST" && path === "/api/operator/session" ? { status: 200, body: MINE } : undefined;

const stoppedIt: Route = ({ method, path }) =>
  method === "POST" && path === `/api/operator/servers/${SERVER.id}/stop`
    ? { status: 200, body: { server: SERVER.id, killed: false, exit_status: -15 } }
    : undefined;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
});

// Role queries over the whole console (tables, the chart) are slow in jsdom on a busy machine.
describe("the operator console", { timeout: 15_000 }, () => {
  it("shows servers, definitions, pools and when the data is from", async () => {
    stubApi(healthy());
    render(<OperatorConsole me={OPERATOR} />);

    const header = await screen.findByRole("rowheader", { name: SERVER.id });
    const row = header.closest("tr");
    if (row === null) throw new Error(`no row for ${SERVER.id}`);
    expect(row).toHaveTextContent(/RUNNING.*4242.*tcp:127\.0\.0\.1:40001.*1 min 15 s/);
    const definitions = screen.getByRole("region", { name: /Server definitions/ });
    expect(within(definitions).getByText("appserver.default")).toBeInTheDocument();
    const pools = screen.getByRole("region", { name: "Services (LOADSTAT)" });
    const pool = within(pools).getByRole("rowheader", { name: "default" }).closest("tr");
    if (pool === null) throw new Error("no row for the default service");
    expect(pool).toHaveTextContent("3 of 4"); // busy slots
    expect(within(pool).getByText("2")).toHaveClass("operator-queued");
    expect(screen.getByText(/No other host's spawner has joined/)).toBeInTheDocument();
    expect(screen.getByText(/^Data from .*, read again every 2 s while this page is visible\./))
      .toBeInTheDocument();
    expect(screen.getByText(/your first action takes it/)).toBeInTheDocument();
    const service = screen.getByLabelText("Service");
    expect(within(service).getAllByRole("option").map((option) => option.textContent)).toEqual([
      "All services (total)",
      "default",
    ]);
    const summary = /^all services: now 0\.90\/s, peak 0\.90\/s, longest queue 2 \(2 samples/;
    expect(screen.getByText(summary)).toBeInTheDocument();
  });

  it("lets an administrator take the session over, once confirmed", async () => {
    const other = { ...MINE, holder: "oper2", yours: false };
    const calls = stubApi(healthy(other), taken);
    const admin = { ...OPERATOR, capabilities: ["administer"] };
    render(<OperatorConsole me={admin} />);
    await userEvent.click(
      await screen.findByRole("button", { name: "Take over the operator session" }),
    );
    expect(screen.getByText("Take the operator session from oper2? This is audited."))
      .toBeInTheDocument();
    expect(changes(calls)).toEqual([]);
    await userEvent.click(screen.getByRole("button", { name: "Confirm" }));
    await vi.waitFor(() => expect(changes(calls)).toEqual(["POST /api/operator/session"]));
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({ force: true });
  });

  it("stops a server only once confirmed, taking the operator session first", async () => {
    let gone = false; // once stopped, the server is no longer listed
    const listed: Route = ({ method, path }) =>
      gone && method === "GET" && path === "/api/operator/servers"
        ? { status: 200, body: [] }
        : undefined;
    const stopping: Route = (call) => {
      const answer = stoppedIt(call);
      if (answer !== undefined) gone = true;
      return answer;
    };
    const calls = stubApi(listed, healthy(), taken, stopping);
    render(<OperatorConsole me={OPERATOR} />);
    await userEvent.click(await screen.findByRole("button", { name: `Stop ${SERVER.id}` }));

    expect(screen.getByText(`Really stop ${SERVER.id}?`)).toBeInTheDocument();
    expect(changes(calls)).toEqual([]);

    await userEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByText(/Stopped server appserver\.default-1 \(exit status -15\)/))
      .toBeInTheDocument();
    expect(changes(calls)).toEqual([
      "POST /api/operator/session",
      `POST /api/operator/servers/${SERVER.id}/stop`,
    ]);
    // Its row went with the button that had the focus: the outcome has it now.
    expect(await screen.findByText("No server runs on this host now.")).toBeInTheDocument();
    const outcome = screen.getByText(/Stopped server/).parentElement;
    await vi.waitFor(() => expect(outcome).toHaveFocus());
  });

  it("shows a refusal in words and does not act", async () => {
    const busy: Route = ({ method, path }) =>
      method === "POST" && path === "/api/operator/session"
        ? {
            status: 409,
            body: {
              error: "operator_busy",
              detail: "operator session held by oper2 since 2025-01-01 12:00:00",
            },
          }
        : undefined;
    const calls = stubApi(healthy(), busy, stoppedIt);
    render(<OperatorConsole me={OPERATOR} />);
    await userEvent.click(await screen.findByRole("button", { name: `Kill ${SERVER.id}` }));
    await userEvent.click(screen.getByRole("button", { name: "Confirm" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(
      `Could not kill ${SERVER.id}: operator session held by oper2 since 2025-01-01 12:00:00`,
    );
    expect(changes(calls)).toEqual(["POST /api/operator/session"]);
  });

  it("says who holds the session, and a refused change in the API's words", async () => {
    const other = { ...MINE, holder: "oper2", yours: false };
    const refused: Route = ({ method, path }) =>
      method === "POST" && path.endsWith("/pause")
        ? { status: 403, body: { error: "forbidden", detail: "you may not pause it" } }
        : undefined;
    stubApi(healthy(other), taken, refused);
    render(<OperatorConsole me={OPERATOR} />);

    expect(await screen.findByText(/Operator session held by/)).toHaveTextContent(
      "Operator session held by oper2",
    );
    expect(screen.queryByRole("button", { name: /Take over/ })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Pause appserver.default" }));
    await userEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not pause appserver.default: you may not pause it",
    );
  });

  it("shows a list that cannot be read in words, and the others", async () => {
    const broken: Route = ({ path }) =>
      path === "/api/operator/hosts"
        ? { status: 502, body: { error: "spawn_failed", detail: "host h1 does not answer" } }
        : undefined;
    stubApi(broken, healthy());
    render(<OperatorConsole me={OPERATOR} />);

    expect(await screen.findByRole("alert")).toHaveTextContent("host h1 does not answer");
    expect(await screen.findByRole("rowheader", { name: SERVER.id })).toBeInTheDocument();
  });

  it("releases the session it holds when the operator leaves", async () => {
    const calls = stubApi(healthy(MINE), ({ method }) =>
      method === "DELETE" ? { status: 200, body: FREE } : undefined,
    );
    const { unmount } = render(<OperatorConsole me={OPERATOR} />);
    expect(await screen.findByText(/You hold the operator session/)).toBeInTheDocument();
    unmount();
    await vi.waitFor(() => expect(changes(calls)).toEqual(["DELETE /api/operator/session"]));
  });

  it("releases the session it holds when the page goes away", async () => {
    const calls = stubApi(healthy(MINE), ({ method }) =>
      method === "DELETE" ? { status: 200, body: FREE } : undefined,
    );
    render(<OperatorConsole me={OPERATOR} />);
    expect(await screen.findByText(/You hold the operator session/)).toBeInTheDocument();
    window.dispatchEvent(new Event("pagehide"));
    expect(changes(calls)).toEqual(["DELETE /api/operator/session"]);
  });

  it("reads again every 2 s while visible, not while hidden nor once left", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const calls = stubApi(healthy());
    const reads = () => calls.filter((call) => call.path === "/api/operator/servers").length;
    const { unmount } = render(<OperatorConsole me={OPERATOR} />);
    await screen.findByRole("rowheader", { name: SERVER.id });
    expect(reads()).toBe(1);

    await act(async () => vi.advanceTimersByTime(2000));
    await vi.waitFor(() => expect(reads()).toBe(2));

    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    act(() => void document.dispatchEvent(new Event("visibilitychange")));
    await act(async () => vi.advanceTimersByTime(10000));
    expect(reads()).toBe(2);

    Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
    act(() => void document.dispatchEvent(new Event("visibilitychange")));
    await vi.waitFor(() => expect(reads()).toBe(3)); // at once on coming back

    unmount();
    await act(async () => vi.advanceTimersByTime(10000));
    expect(reads()).toBe(3);
  });
});
