import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Credentials } from "./Credentials";
import type { CredentialRecord } from "./adminApi";
import { fakeApi, page } from "./fakeApi";

afterEach(() => vi.unstubAllGlobals());

const launch: CredentialRecord = {
  id: 1,
  name: "launch",
  username: "svc",
  description: "pool servers",
  algorithm: "AES-256-GCM",
  key_id: "k1",
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
};

function show(entry: string) {
  render(
    <MemoryRouter initialEntries={[entry]}>
      <Routes>
        <Route path="/admin/credentials" element={<Credentials />} />
        <Route path="/admin/credentials/:name" element={<Credentials />} />
      </Routes>
    </MemoryRouter>,
  );
}

describe("credentials", () => {
  it("never shows the stored secret and keeps it unless a new one is typed", async () => {
    // Even if an API answered with a secret, nothing would show it.
    const leaky = { ...launch, secret: "stored-secret-XYZ" };
    const calls = fakeApi({
      "GET /api/credentials": { body: page([leaky]) },
      "GET /api/credentials/launch": { body: leaky },
      "PATCH /api/credentials/launch": { body: launch },
    });
    show("/admin/credentials/launch");
    const secret = await screen.findByLabelText("New secret");
    expect(secret).toHaveValue("");
    expect(secret).toHaveAttribute("type", "password");
    expect(screen.getByText(/A secret is stored; it is never shown/)).toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain("stored-secret-XYZ");

    await userEvent.click(screen.getByRole("button", { name: "Save credential" }));
    expect(await screen.findByText("Saved; the stored secret is unchanged.")).toBeInTheDocument();
    expect(calls.find((call) => call.method === "PATCH")?.body).toEqual({
      username: "svc",
      description: "pool servers",
    });
  });

  it("sends a new secret once, then forgets it", async () => {
    const calls = fakeApi({
      "GET /api/credentials": { body: page([launch]) },
      "GET /api/credentials/launch": { body: launch },
      "PATCH /api/credentials/launch": { body: { ...launch, updated_at: "2025-02-01T00:00:00Z" } },
    });
    show("/admin/credentials/launch");
    await userEvent.type(await screen.findByLabelText("New secret"), "new-secret-123");
    expect(document.body.innerHTML).not.toContain("new-secret-123");
    await userEvent.click(screen.getByRole("button", { name: "Save credential" }));
    expect(await screen.findByText("Saved, with the new secret.")).toBeInTheDocument();
    expect(calls.find((call) => call.method === "PATCH")?.body).toMatchObject({ secret: "new-secret-123" });
    expect(screen.getByLabelText("New secret")).toHaveValue("");
    expect(document.body.innerHTML).not.toContain("new-secret-123");
  });

  it("stores a new credential and shows the API's refusal in words", async () => {
    const calls = fakeApi({
      "GET /api/credentials": { body: page([]) },
      "POST /api/credentials": {
        status: 422,
        body: {
          error: "invalid_request",
          detail: [{ field: "body.username", message: "String should match pattern", type: "string_pattern_mismatch" }],
        },
      },
    });
    show("/admin/credentials");
    await userEvent.click(await screen.findByRole("button", { name: "New credential" }));
    await userEvent.type(screen.getByLabelText("Name"), "runas");
    await userEvent.type(screen.getByLabelText("OS account"), "9bad");
    await userEvent.type(screen.getByLabelText("Secret"), "pw-9876");
    await userEvent.click(screen.getByRole("button", { name: "Store credential" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("OS account: an OS account name");
    expect(calls.find((call) => call.method === "POST")?.body).toMatchObject({ secret: "pw-9876" });
    expect(document.body.innerHTML).not.toContain("pw-9876");
  });
});
