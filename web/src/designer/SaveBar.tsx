import { useState, type FormEvent } from "react";

import { Problem } from "../components/Problem";
import type { Saved } from "./types";

interface Props {
  isNew: boolean;
  dirty: boolean;
  canSave: boolean;
  /** Why saving is not possible yet (a new job without a valid name). */
  blocked: string;
  onSave: (comment: string) => Promise<Saved>;
}

/** Save a new version with a comment (a new job: create it). */
export function SaveBar({ isNew, dirty, canSave, blocked, onSave }: Props) {
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setResult("");
    try {
      const saved = await onSave(comment);
      const errors = saved.issues.filter((issue) => issue.severity === "error").length;
      const draft = `, a draft with ${errors} ${errors === 1 ? "error" : "errors"}: it cannot run until they are fixed.`;
      setResult(`Saved version ${saved.version}${saved.valid ? "." : draft}`);
      setComment("");
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (!canSave) return null;
  return (
    <form className="designer-save" onSubmit={(event) => void submit(event)}>
      <label className="designer-field designer-save__comment">
        <span>Comment</span>
        <input
          value={comment}
          maxLength={1000}
          placeholder="What changed"
          onChange={(event) => setComment(event.target.value)}
        />
      </label>
      <button
        type="submit"
        className="designer-primary"
        disabled={busy || Boolean(blocked) || (!dirty && !isNew)}
        title={blocked || undefined}
      >
        {busy ? "Saving…" : isNew ? "Create job" : "Save version"}
      </button>
      <span role="status" className="designer-save__status">
        {result || (dirty ? "Unsaved changes" : isNew ? "" : "All changes saved")}
        {blocked && <span className="muted"> {blocked}</span>}
      </span>
      <Problem error={error} />
    </form>
  );
}
