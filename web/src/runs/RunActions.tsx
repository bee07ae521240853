import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";

import type { Me } from "../api";
import { Problem } from "../components/Problem";
import { runsApi, type RunRecord } from "./api";
import { RUN_CANCELLABLE } from "./states";

function may(me: Me, capability: string): boolean {
  return me.capabilities.includes(capability) || me.capabilities.includes("administer");
}

interface Props {
  run: RunRecord;
  me: Me;
  /** The run as the cancel left it. */
  onCancelled: (run: RunRecord) => void;
}

/**
 * Cancel (after a confirmation; only while queued or running) and run again (same version and
 * inputs; goes to the new run). Cancelling another user's run needs the operate capability (or
 * administer on the job, which the client cannot see: the API's refusal is shown then).
 */
export function RunActions({ run, me, onCancelled }: Props) {
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<"" | "cancel" | "again">("");
  const [error, setError] = useState<unknown>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);

  const own = run.created_by === me.user.name;
  const canCancel = RUN_CANCELLABLE.has(run.state) && (own || may(me, "operate"));
  const canRunAgain = own || may(me, "run_jobs");

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  useEffect(() => {
    if (!RUN_CANCELLABLE.has(run.state)) setConfirming(false);
  }, [run.state]);

  const dismiss = () => {
    setConfirming(false);
    cancelButton.current?.focus();
  };

  const cancel = async () => {
    setBusy("cancel");
    setError(null);
    try {
      onCancelled(await runsApi.cancel(run.id));
      setConfirming(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy("");
    }
  };

  const again = async () => {
    setBusy("again");
    setError(null);
    try {
      const next = await runsApi.start(run.job, run.inputs, run.version);
      navigate(`/runs/${next.id}`);
    } catch (failure) {
      setError(failure);
      setBusy("");
    }
  };

  if (!canCancel && !canRunAgain) return null;
  return (
    <div className="runs-actions">
      <div className="runs-actions__buttons">
        {canCancel && (
          <button
            ref={cancelButton}
            type="button"
            className="runs-danger"
            aria-expanded={confirming}
            disabled={busy !== ""}
            onClick={() => setConfirming(true)}
          >
            Cancel run
          </button>
        )}
        {canRunAgain && (
          <button type="button" disabled={busy !== ""} onClick={() => void again()}>
            {busy === "again" ? "Starting…" : "Run again"}
          </button>
        )}
      </div>
      {confirming && canCancel && (
        <div
          role="alertdialog"
          aria-labelledby="runs-cancel-title"
          aria-describedby="runs-cancel-text"
          className="runs-confirm"
          onKeyDown={(event) => event.key === "Escape" && dismiss()}
        >
          <p id="runs-cancel-title">
            <strong>Cancel run {run.id}?</strong>
          </p>
          <p id="runs-cancel-text">
            Its running commands, programs and child runs are stopped; it ends CANCELLED. This cannot be undone.
          </p>
          <button ref={confirmButton} type="button" className="runs-danger" disabled={busy !== ""} onClick={() => void cancel()}>
            {busy === "cancel" ? "Cancelling…" : "Yes, cancel it"}
          </button>{" "}
          <button type="button" onClick={dismiss}>
            No, keep it
          </button>
        </div>
      )}
      <Problem error={error} />
    </div>
  );
}
