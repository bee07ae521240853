import { useState } from "react";

interface Props {
  /** The action's button, e.g. "Stop". */
  label: string;
  /** Its accessible name when the row's context matters, e.g. "Stop kernel 1a2b". */
  name?: string;
  /** The question asked before doing it. */
  question: string;
  /** The button that does it, e.g. "Yes, stop it". */
  confirm: string;
  onConfirm: () => Promise<void> | void;
}

/** A button for an action that cannot be undone: it first asks, in place (the confirming
 * button takes the focus; Escape or Cancel gives up). */
export function Confirm({ label, name, question, confirm, onConfirm }: Props) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);

  if (!asking) {
    return (
      <button type="button" aria-label={name} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  const go = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <span
      className="ws-confirm"
      role="group"
      aria-label={question}
      onKeyDown={(event) => {
        if (event.key === "Escape") setAsking(false);
      }}
    >
      <span>{question}</span>{" "}
      <button type="button" className="ws-danger" autoFocus disabled={busy} onClick={() => void go()}>
        {busy ? "Working…" : confirm}
      </button>{" "}
      <button type="button" disabled={busy} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
