import { useEffect, useRef, useState, type KeyboardEvent } from "react";

export interface ConfirmActionProps {
  /** The button's text ("Stop"). */
  label: string;
  /** What it acts on, for screen readers and the question ("server default-1"). */
  target: string;
  /** The question asked before acting ("Really stop server default-1?"). */
  question: string;
  /** Does the change; its failure is the caller's to show. */
  onConfirm: () => Promise<void>;
  /** A change that cannot be undone (stop, kill) is drawn as such. */
  danger?: boolean;
  disabled?: boolean;
}

/**
 * A change that asks first: the button opens an inline "Really …? Confirm / Cancel" (focus on
 * Confirm; Escape or Cancel closes it); the change runs only on Confirm. Focus returns to the
 * button afterwards.
 */
export function ConfirmAction({
  label,
  target,
  question,
  onConfirm,
  danger = false,
  disabled = false,
}: ConfirmActionProps) {
  const [asking, setAsking] = useState(false);
  const [working, setWorking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
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
      confirm.current?.focus();
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
        className={danger ? "operator-button operator-danger" : "operator-button"}
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
      aria-label={`Confirm: ${label.toLowerCase()} ${target}`}
      className="operator-confirm"
      onKeyDown={onKeyDown}
    >
      <span>{question}</span>
      <button
        type="button"
        ref={confirm}
        className={danger ? "operator-button operator-danger" : "operator-button"}
        disabled={working}
        onClick={() => void go()}
      >
        {working ? "Working…" : "Confirm"}
      </button>
      <button type="button" className="operator-button" disabled={working} onClick={close}>
        Cancel
      </button>
    </span>
  );
}
