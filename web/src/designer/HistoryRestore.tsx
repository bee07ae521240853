import { useEffect, useId, useRef, useState } from "react";

import { Problem } from "../components/Problem";
import type { VersionInfo } from "./HistoryApi";

/**
 * Asks before restoring a version: it is saved again as the newest version (nothing is lost;
 * the versions in between stay in the history). Escape or Cancel closes it.
 */
export function HistoryRestore({
  version,
  latest,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  version: VersionInfo;
  latest: number;
  busy: boolean;
  error: unknown;
  onConfirm: (comment: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [comment, setComment] = useState(`Restored version ${version.version}`);
  const confirm = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    confirm.current?.focus();
  }, [version.version]);

  return (
    <div
      className="history-confirm"
      role="alertdialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onKeyDown={(event) => {
        if (event.key === "Escape" && !busy) {
          event.stopPropagation();
          onCancel();
        }
      }}
    >
      <h3 id={`${id}-title`}>Restore version {version.version}?</h3>
      <p id={`${id}-body`}>
        Its document is saved again as version {latest + 1}, the newest; the versions in between stay
        in the history.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onConfirm(comment);
        }}
      >
        <label htmlFor={`${id}-comment`}>Comment</label>
        <input
          id={`${id}-comment`}
          value={comment}
          maxLength={1000}
          onChange={(event) => setComment(event.target.value)}
        />
        <div className="history-confirm-actions">
          <button type="submit" ref={confirm} disabled={busy}>
            {busy ? "Restoring…" : `Restore version ${version.version}`}
          </button>
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
      <Problem error={error} />
    </div>
  );
}
