import { Problem } from "../components/Problem";
import type { LockState } from "./useJobLock";

interface Props {
  lock: LockState;
  canBreak: boolean;
  onBreak: () => void;
}

/** Who holds the job's edit lock, and why the designer is read-only when it is. */
export function LockBar({ lock, canBreak, onBreak }: Props) {
  switch (lock.state) {
    case "none":
      return null;
    case "taking":
      return (
        <p role="status" className="designer-lock">
          Taking the edit lock…
        </p>
      );
    case "mine":
      return (
        <p role="status" className="designer-lock designer-lock--mine">
          You hold the edit lock.
        </p>
      );
    case "other":
      return (
        <div role="status" className="designer-lock designer-lock--other">
          <span>
            Read-only: locked by <strong>{lock.holder}</strong>
            {lock.since ? ` since ${new Date(lock.since).toLocaleString()}` : ""}.
          </span>
          {canBreak && (
            <button type="button" className="designer-small" onClick={onBreak}>
              Break the lock
            </button>
          )}
        </div>
      );
    case "denied":
      return (
        <p role="status" className="designer-lock designer-lock--other">
          Read-only: you may read this job but not change it.
        </p>
      );
    case "failed":
      return (
        <div className="designer-lock designer-lock--other">
          <span>Read-only: the edit lock could not be taken.</span>
          <Problem error={lock.error} />
        </div>
      );
  }
}
