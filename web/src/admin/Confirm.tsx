import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";

import { FormProblem } from "./FormProblem";

/** A destructive change waiting for the administrator's yes. */
export interface Confirmation {
  title: string;
  message: string;
  /** The confirm button's words ("Delete", "Revoke", ...). */
  action: string;
  run: () => Promise<void>;
}

interface Props {
  confirmation: Confirmation | null;
  onClose: () => void;
}

/** A modal question before a delete or revoke: Cancel has the focus, Escape cancels, Tab
 * stays inside; the API's refusal is shown in the dialog; focus goes back where it was. */
export function Confirm({ confirmation, onClose }: Props) {
  if (confirmation === null) return null;
  return <Dialog confirmation={confirmation} onClose={onClose} />;
}

function Dialog({ confirmation, onClose }: { confirmation: Confirmation; onClose: () => void }) {
  const id = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const before = document.activeElement;
    cancel.current?.focus();
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus();
    };
  }, []);

  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      await confirmation.run();
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const keys = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose();
    } else if (event.key === "Tab") {
      // Two buttons: Tab and Shift+Tab go from one to the other.
      event.preventDefault();
      const next = document.activeElement === cancel.current ? confirm.current : cancel.current;
      next?.focus();
    }
  };

  return (
    <div className="admin-backdrop">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-message`}
        className="admin-dialog"
        onKeyDown={keys}
      >
        <h2 id={`${id}-title`}>{confirmation.title}</h2>
        <p id={`${id}-message`}>{confirmation.message}</p>
        <FormProblem error={error} />
        <div className="admin-actions">
          <button type="button" ref={cancel} onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            ref={confirm}
            className="admin-danger"
            disabled={busy}
            onClick={() => void go()}
          >
            {busy ? `${confirmation.action}…` : confirmation.action}
          </button>
        </div>
      </div>
    </div>
  );
}
