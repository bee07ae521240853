import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { SignIn } from "./SignIn";

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe("the sign-in page", () => {
  it("has labelled fields and shows a refusal in words", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(
        new Response(JSON.stringify({ error: "unauthenticated", detail: "wrong user name or password" }), {
          status: 401,
        }),
      ),
    );
    const signedIn = vi.fn();
    render(<SignIn onSignedIn={signedIn} />);

    await userEvent.type(screen.getByLabelText("User name"), "ada");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("wrong user name or password");
    expect(signedIn).not.toHaveBeenCalled();
  });

  it("signs in and tells the app", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(
        new Response(JSON.stringify({ user: { id: 1, name: "ada" }, csrf_token: "c" }), { status: 200 }),
      ),
    );
    const signedIn = vi.fn();
    render(<SignIn onSignedIn={signedIn} />);
    await userEvent.type(screen.getByLabelText("User name"), "ada");
    await userEvent.type(screen.getByLabelText("Password"), "right");
    await userEvent.keyboard("{Enter}");
    await vi.waitFor(() => expect(signedIn).toHaveBeenCalledOnce());
  });
});
