import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { UserCreateForm } from "./UserCreateForm";
import { fakeApi } from "./fakeApi";

afterEach(() => vi.unstubAllGlobals());

describe("the create-user form", () => {
  it("shows the API's field problems in words, each by its label", async () => {
    const calls = fakeApi({
      "POST /api/users": {
        status: 422,
        body: {
          error: "invalid_request",
          detail: [
            {
              field: "body.name",
              message: "String should match pattern '^[A-Za-z][A-Za-z0-9_-]{0,63}$'",
              type: "string_pattern_mismatch",
            },
          ],
        },
      },
    });
    const created = vi.fn();
    render(<UserCreateForm onCreated={created} onCancel={() => {}} />);
    await userEvent.type(screen.getByLabelText("Name"), "9lives");
    await userEvent.type(screen.getByLabelText("Password"), "pw-1234");
    await userEvent.click(screen.getByRole("button", { name: "Create user" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Name: a letter, then up to 63 letters, digits, _ or -");
    expect(alert).not.toHaveTextContent("body.name");
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect(calls[0].body).toMatchObject({ name: "9lives", password: "pw-1234", auth_source: "local" });
    expect(created).not.toHaveBeenCalled();
  });

  it("shows the registry's refusal and an existing name, and never sends an empty password", async () => {
    const calls = fakeApi({
      "POST /api/users": (call) =>
        (call.body as { password?: string }).password === undefined
          ? { status: 400, body: { error: "invalid_input", detail: "password: a local user needs a password" } }
          : { status: 409, body: { error: "already_exists", detail: "user 'ada' already exists" } },
    });
    render(<UserCreateForm onCreated={() => {}} onCancel={() => {}} />);
    await userEvent.type(screen.getByLabelText("Name"), "ada");
    await userEvent.click(screen.getByRole("button", { name: "Create user" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("password: a local user needs a password");
    expect(screen.getByLabelText("Password")).toHaveAttribute("aria-invalid", "true");
    expect(calls[0].body).not.toHaveProperty("password");

    await userEvent.type(screen.getByLabelText("Password"), "secret-1");
    await userEvent.click(screen.getByRole("button", { name: "Create user" }));
    expect(await screen.findByText("user 'ada' already exists")).toHaveAttribute("role", "alert");
  });

  it("creates a user and hands the record over", async () => {
    const ada = { id: 7, name: "ada", display_name: "Ada", email: "", auth_source: "local", disabled: false, created_at: "2025-01-01T00:00:00Z", groups: [] };
    fakeApi({ "POST /api/users": { status: 201, body: ada } });
    const created = vi.fn();
    render(<UserCreateForm onCreated={created} onCancel={() => {}} />);
    await userEvent.type(screen.getByLabelText("Name"), "ada");
    await userEvent.type(screen.getByLabelText("Display name"), "Ada");
    await userEvent.type(screen.getByLabelText("Password"), "pw-1234{Enter}");
    await vi.waitFor(() => expect(created).toHaveBeenCalledWith(ada));
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
