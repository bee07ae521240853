// How the console draws a change that asks first (components/ConfirmButton).

import type { ConfirmLook } from "../components/ConfirmButton";

/** A change that can be undone (pause, quiesce, take over). */
export const CHANGE: ConfirmLook = {
  trigger: "operator-button",
  confirm: "operator-button",
  cancel: "operator-button",
  group: "operator-confirm",
};

/** A change that cannot be undone (stop, kill): drawn as such. */
export const DANGER: ConfirmLook = {
  ...CHANGE,
  trigger: "operator-button operator-danger",
  confirm: "operator-button operator-danger",
};
