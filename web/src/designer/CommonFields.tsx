import { useEffect, useId, useState } from "react";

import { IDENTIFIER, withField } from "./document";
import { CheckField, NumberField, SelectField, TextField } from "./Fields";
import { ON_ERROR, type JobNode } from "./types";

interface IdProps {
  id: string;
  taken: (id: string) => boolean;
  onRename: (id: string) => void;
  readOnly: boolean;
}

/** A node's id: checked, and applied when the field is left or Enter is pressed (edges and
 * expressions that name it follow). */
export function IdField({ id, taken, onRename, readOnly }: IdProps) {
  const field = useId();
  const [text, setText] = useState(id);
  useEffect(() => setText(id), [id]);
  const problem =
    text === id
      ? ""
      : !IDENTIFIER.test(text)
        ? "Letters, digits and _, not starting with a digit."
        : taken(text)
          ? "Another node has this id."
          : "";
  const commit = () => {
    if (text !== id && !problem) onRename(text);
  };
  return (
    <div className="designer-field">
      <label htmlFor={field}>Id</label>
      <input
        id={field}
        aria-describedby={`${field}-hint`}
        value={text}
        readOnly={readOnly}
        className="designer-code"
        aria-invalid={problem ? true : undefined}
        onChange={(event) => setText(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === "Enter") commit();
          if (event.key === "Escape") setText(id);
        }}
      />
      <span id={`${field}-hint`} className={problem ? "designer-hint error" : "designer-hint"}>
        {problem || "Expressions read its outputs as nodes.ID.OUTPUT."}
      </span>
    </div>
  );
}

const ON_ERROR_TEXT: Record<string, string> = {
  abort_job: "abort the job",
  continue: "continue",
  abort_flow: "abort this flow",
};

/** What every node has: name, retries, timeout, what a failure does, disabled. */
interface CommonProps {
  node: JobNode;
  onChange: (node: JobNode) => void;
  readOnly: boolean;
}

export function CommonFields({ node, onChange, readOnly }: CommonProps) {
  const set = (key: string, value: unknown) => onChange(withField(node, key, value));
  const retry = node.retry ?? {};
  const setRetry = (key: string, value: number | null) => set("retry", withField(retry, key, value));
  return (
    <section className="designer-section" aria-labelledby={`common-${node.id}`}>
      <h3 id={`common-${node.id}`}>Behaviour</h3>
      <NumberField
        label="Attempts"
        value={retry.attempts ?? 1}
        min={1}
        step={1}
        onChange={(v) => setRetry("attempts", v === 1 ? null : v)}
        readOnly={readOnly}
      />
      <NumberField
        label="Seconds before a retry"
        value={retry.backoff ?? 1}
        min={0}
        onChange={(v) => setRetry("backoff", v === 1 ? null : v)}
        readOnly={readOnly}
      />
      <NumberField
        label="Timeout (seconds)"
        value={node.timeout ?? null}
        min={0}
        onChange={(v) => set("timeout", v)}
        readOnly={readOnly}
      />
      <SelectField
        label="On error"
        value={node.on_error ?? "abort_job"}
        options={ON_ERROR.map((v): [string, string] => [v, ON_ERROR_TEXT[v]])}
        onChange={(v) => set("on_error", v === "abort_job" ? undefined : v)}
        readOnly={readOnly}
      />
      <CheckField
        label="Disabled (skipped as if it succeeded)"
        checked={Boolean(node.disabled)}
        onChange={(v) => set("disabled", v || undefined)}
        readOnly={readOnly}
      />
      <TextField
        label="Description"
        value={node.description ?? ""}
        onChange={(v) => set("description", v)}
        readOnly={readOnly}
      />
    </section>
  );
}
