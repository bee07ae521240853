// Small labelled fields the properties panel is made of.

import { useEffect, useId, useState, type ReactNode } from "react";

/** A field's frame: its label, the control (given its id and its hint's id), the hint. */
function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: ReactNode;
  children: (id: string, hintId: string | undefined) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="designer-field">
      <label htmlFor={id}>{label}</label>
      {children(id, hint ? `${id}-hint` : undefined)}
      {hint && (
        <span id={`${id}-hint`} className="designer-hint">
          {hint}
        </span>
      )}
    </div>
  );
}

interface Base {
  label: string;
  readOnly?: boolean;
  hint?: ReactNode;
}

export function TextField({
  label,
  value,
  onChange,
  readOnly,
  hint,
  list,
  code,
}: Base & { value: string; onChange: (value: string) => void; list?: string; code?: boolean }) {
  return (
    <Field label={label} hint={hint}>
      {(id, hintId) => (
        <input
          id={id}
          aria-describedby={hintId}
          value={value}
          readOnly={readOnly}
          list={list}
          className={code ? "designer-code" : undefined}
          spellCheck={code ? false : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}

/** A number; empty is `null` (unset). Kept as typed until it is a number. */
export function NumberField({
  label,
  value,
  onChange,
  readOnly,
  hint,
  min,
  step,
}: Base & {
  value: number | null | undefined;
  onChange: (value: number | null) => void;
  min?: number;
  step?: number;
}) {
  const [text, setText] = useState(value == null ? "" : String(value));
  useEffect(() => {
    // Keep what is typed while it says the same number ("1." is 1); else show the value.
    setText((current) => {
      if (Number(current) === value || (current === "" && value == null)) return current;
      return value == null ? "" : String(value);
    });
  }, [value]);
  return (
    <Field label={label} hint={hint}>
      {(id, hintId) => (
        <input
          id={id}
          aria-describedby={hintId}
          type="number"
          value={text}
          min={min}
          step={step ?? "any"}
          readOnly={readOnly}
          onChange={(event) => {
            setText(event.target.value);
            if (event.target.value === "") onChange(null);
            else if (!Number.isNaN(event.target.valueAsNumber)) onChange(event.target.valueAsNumber);
          }}
        />
      )}
    </Field>
  );
}

export function SelectField({
  label,
  value,
  options,
  onChange,
  readOnly,
  hint,
}: Base & {
  value: string;
  options: readonly (string | [string, string])[];
  onChange: (value: string) => void;
}) {
  return (
    <Field label={label} hint={hint}>
      {(id, hintId) => (
        <select
          id={id}
          aria-describedby={hintId}
          value={value}
          disabled={readOnly}
          onChange={(event) => onChange(event.target.value)}
        >
          {options.map((option) => {
            const [key, text] = typeof option === "string" ? [option, option] : option;
            return (
              <option key={key} value={key}>
                {text}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

export function CheckField({
  label,
  checked,
  onChange,
  readOnly,
}: Base & { checked: boolean; onChange: (value: boolean) => void }) {
  return (
    <label className="designer-check">
      <input
        type="checkbox"
        checked={checked}
        disabled={readOnly}
        onChange={(event) => onChange(event.target.checked)}
      />
      <span>{label}</span>
    </label>
  );
}
