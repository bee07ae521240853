import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { ConfirmButton } from "./ConfirmButton";

function renderAction(onConfirm = vi.fn().mockResolvedValue(undefined)) {
  render(
    <ConfirmButton label="Stop" target="default-1" question="Really stop default-1?" onConfirm={onConfirm} />,
  );
  return onConfirm;
}

describe("a change that asks first", () => {
  it("does nothing until confirmed, then acts once", async () => {
    const onConfirm = renderAction();
    await userEvent.click(screen.getByRole("button", { name: "Stop default-1" }));

    const group = screen.getByRole("group", { name: "Confirm: stop default-1" });
    expect(group).toHaveTextContent("Really stop default-1?");
    expect(screen.getByRole("button", { name: "Confirm" })).toHaveFocus();
    expect(onConfirm).not.toHaveBeenCalled();

    await userEvent.keyboard("{Enter}");
    expect(onConfirm).toHaveBeenCalledOnce();
    expect(await screen.findByRole("button", { name: "Stop default-1" })).toHaveFocus();
  });

  it("is cancelled with Escape or Cancel, focus back on the button", async () => {
    const onConfirm = renderAction();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Stop default-1" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("group")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Stop default-1" })).toHaveFocus();

    await user.keyboard("{Enter}"); // the focused button opens it again
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("button", { name: "Stop default-1" })).toHaveFocus();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("shows that it works while the change is under way", async () => {
    let finish = () => {};
    const onConfirm = renderAction(
      vi.fn(() => new Promise<void>((resolve) => (finish = resolve))),
    );
    await userEvent.click(screen.getByRole("button", { name: "Stop default-1" }));
    await userEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect(screen.getByRole("button", { name: "Working…" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Cancel" })).toBeDisabled();
    finish();
    expect(await screen.findByRole("button", { name: "Stop default-1" })).toBeEnabled();
    expect(onConfirm).toHaveBeenCalledOnce();
  });

  it("names its question and its confirming button as asked", async () => {
    const onConfirm = vi.fn();
    render(
      <ConfirmButton
        label="Revoke"
        target="token laptop"
        question="Revoke “laptop”?"
        groupName="Revoke “laptop”?"
        confirm="Revoke token"
        onConfirm={onConfirm}
      />,
    );
    await userEvent.click(screen.getByRole("button", { name: "Revoke token laptop" }));
    expect(screen.getByRole("group", { name: "Revoke “laptop”?" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Revoke token" })).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    expect(onConfirm).toHaveBeenCalledOnce();
  });
});
