import { useEffect, useRef, useState, type KeyboardEvent } from "react";

/** The classes of the button, of the question's two buttons and of the box around them. */
export interface ConfirmLook {
  trigger?: string;
  confirm?: string;
  cancel?: string;
  group?: string;
}

/** A plain button whose confirming button is drawn as something that cannot be undone. */
export const IRREVERSIBLE: ConfirmLook = { confirm: "confirm-danger", group: "confirm-inline" };

export interface ConfirmButtonProps {
  /** The button's text ("Stop"). */
  label: string;
  /** What it acts on: the button's accessible name is the label and the target ("Stop
   * default-1", "Stop kernel 1a2b"). */
  target: string;
  /** The question asked before acting ("Really stop default-1?"). */
  question: string;
  /** The question's accessible name; "Confirm: stop default-1" unless given. */
  groupName?: string;
  /** The text of the button that acts ("Confirm" unless given). */
  confirm?: string;
  /** Does the change; its failure is the caller's to show. */
  onConfirm: () => Promise<void> | void;
  disabled?: boolean;
  look?: ConfirmLook;
}

/**
 * A change that asks first, in place: the button opens an inline "question, Confirm / Cancel"
 * (focus on the confirming button; Escape or Cancel closes it); the change runs only on
 * Confirm. Focus returns to the button afterwards.
 */
export function ConfirmButton({
  label,
  target,
  question,
  groupName,
  confirm = "Confirm",
  onConfirm,
  disabled = false,
  look = IRREVERSIBLE,
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const [working, setWorking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const mounted = useRef(true);
  const refocus = useRef(false);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (asking) {
      confirmButton.current?.focus();
    } else if (refocus.current) {
      refocus.current = false;
      trigger.current?.focus();
    }
  }, [asking]);

  const close = () => {
    refocus.current = true; // the button comes back with the next render: focus it then
    setAsking(false);
  };

  const go = async () => {
    setWorking(true);
    try {
      await onConfirm();
    } finally {
      if (mounted.current) {
        setWorking(false);
        close();
      }
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape" && !working) {
      event.stopPropagation();
      close();
    }
  };

  if (!asking) {
    return (
      <button
        type="button"
        ref={trigger}
        className={look.trigger}
        aria-label={`${label} ${target}`}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span
      role="group"
      aria-label={groupName ?? `Confirm: ${label.toLowerCase()} ${target}`}
      className={look.group}
      onKeyDown={onKeyDown}
    >
      <span>{question}</span>
      <button type="button" ref={confirmButton} className={look.confirm} disabled={working} onClick={() => void go()}>
        {working ? "Working…" : confirm}
      </button>
      <button type="button" className={look.cancel} disabled={working} onClick={close}>
        Cancel
      </button>
    </span>
  );
}
