import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { fakeApi, ME } from "../workspaces/fakeApi";
import { Tokens } from "./Tokens";

afterEach(() => {
  vi.unstubAllGlobals();
});

const SECRET = "bat_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

function token(id: number, name: string, changes: Record<string, unknown> = {}) {
  return {
    id,
    user: "ada",
    name,
    prefix: "bat_9f8e7d",
    created_at: "2025-01-02T03:04:05Z",
    expires_at: "2999-01-01T00:00:00Z",
    revoked_at: null,
    last_used_at: null,
    ...changes,
  };
}

function list(items: unknown[]) {
  return { items, total: items.length, limit: 50, offset: 0 };
}

describe("the tokens page", () => {
  it("shows a new token's secret once, with a warning", async () => {
    const tokens: unknown[] = [token(1, "old", { revoked_at: "2025-02-01T00:00:00Z" })];
    const calls = fakeApi({
      "GET /api/tokens": () => list(tokens),
      "POST /api/tokens": (body) => {
        const made = token(2, (body as { name: string }).name);
        tokens.unshift(made);
        return { token: SECRET, info: made };
      },
    });
    render(<Tokens me={ME} />);
    const old = await screen.findByRole("row", { name: /old/ });
    expect(old).toHaveTextContent("Revoked");
    expect(within(old).queryByRole("button", { name: /Revoke/ })).toBeNull();

    await userEvent.type(screen.getByLabelText("Name"), "ci");
    await userEvent.type(screen.getByLabelText("Expires after (days)"), "30");
    await userEvent.click(screen.getByRole("button", { name: "Create token" }));

    const shown = await screen.findByRole("region", { name: "New token ci" });
    expect(within(shown).getByRole("alert")).toHaveTextContent("it will not be shown again");
    expect(within(shown).getByLabelText("Token")).toHaveValue(SECRET);
    expect(within(shown).getByRole("button", { name: "Copy the token" })).toBeVisible();
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({ name: "ci", days: 30 });
    expect(await screen.findByRole("row", { name: /ci/ })).toHaveTextContent("Active");

    await userEvent.click(within(shown).getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("region", { name: "New token ci" })).toBeNull();
    expect(screen.queryByDisplayValue(SECRET)).toBeNull();
    expect(document.body).not.toHaveTextContent(SECRET);
  });

  it("asks the server's default lifetime when none is given, and shows its refusal", async () => {
    const calls = fakeApi({
      "GET /api/tokens": () => list([]),
      "POST /api/tokens": () => [400, { error: "invalid_input", detail: "days: must be between 1 and 365" }],
    });
    render(<Tokens me={ME} />);
    expect(await screen.findByText("No token yet.")).toBeVisible();
    await userEvent.type(screen.getByLabelText("Name"), "ci");
    await userEvent.click(screen.getByRole("button", { name: "Create token" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("days: must be between 1 and 365");
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({ name: "ci" });
  });

  it("revokes a token once confirmed", async () => {
    const tokens: Record<string, unknown>[] = [token(3, "laptop")];
    const calls = fakeApi({
      "GET /api/tokens": () => list(tokens),
      "DELETE /api/tokens/3": () => {
        tokens[0] = { ...tokens[0], revoked_at: "2025-03-01T00:00:00Z" };
        return tokens[0];
      },
    });
    render(<Tokens me={ME} />);
    await userEvent.click(await screen.findByRole("button", { name: "Revoke token laptop" }));
    expect(calls.some((call) => call.method === "DELETE")).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Revoke token" }));
    expect(await screen.findByRole("row", { name: /laptop/ })).toHaveTextContent("Revoked");
    expect(calls.filter((call) => call.method === "DELETE")).toHaveLength(1);
  });

  it("changes the password after checking the repetition", async () => {
    const calls = fakeApi({
      "GET /api/tokens": () => list([]),
      "PUT /api/me/password": () => undefined,
    });
    render(<Tokens me={ME} />);
    await userEvent.type(screen.getByLabelText("Current password"), "old-one");
    await userEvent.type(screen.getByLabelText("New password"), "new-one-1");
    await userEvent.type(screen.getByLabelText("New password again"), "new-one-2");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("differ");
    expect(calls.some((call) => call.method === "PUT")).toBe(false);

    await userEvent.clear(screen.getByLabelText("New password again"));
    await userEvent.type(screen.getByLabelText("New password again"), "new-one-1");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByText(/Password changed/)).toBeVisible();
    expect(calls.find((call) => call.method === "PUT")?.body).toEqual({
      current_password: "old-one",
      new_password: "new-one-1",
    });
  });

  it("says when the current password is wrong", async () => {
    fakeApi({
      "GET /api/tokens": () => list([]),
      "PUT /api/me/password": () => [
        400,
        { error: "invalid_input", detail: "current_password: is not the current password" },
      ],
    });
    render(<Tokens me={ME} />);
    await userEvent.type(screen.getByLabelText("Current password"), "nope");
    await userEvent.type(screen.getByLabelText("New password"), "n");
    await userEvent.type(screen.getByLabelText("New password again"), "n");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("is not the current password");
  });

  it("has no password form for users who sign in through the host", async () => {
    fakeApi({ "GET /api/tokens": () => list([]) });
    const host = { ...ME.user, auth_source: "host" as const };
    render(<Tokens me={{ ...ME, user: host }} />);
    expect(await screen.findByText(/change your password there/)).toBeVisible();
    expect(screen.queryByLabelText("Current password")).toBeNull();
  });
});
