import type { HTMLInputTypeAttribute } from "react";

/** A labelled text field of an administration form; `invalid` when the API's refusal names it. */
export function TextField({
  label,
  value,
  onChange,
  type,
  required = false,
  invalid,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: HTMLInputTypeAttribute;
  required?: boolean;
  invalid?: boolean;
}) {
  return (
    <label>
      {label}
      <input
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        required={required}
        aria-invalid={invalid}
      />
    </label>
  );
}

/** What a form did, said politely (role=status); nothing before. */
export function FormNote({ note }: { note: string }) {
  if (!note) return null;
  return (
    <p role="status" className="admin-note">
      {note}
    </p>
  );
}

/** A form's submit button and, when it can be given up, Cancel. */
export function FormButtons({ label, busy, onCancel }: { label: string; busy: boolean; onCancel?: () => void }) {
  return (
    <div className="admin-actions">
      <button type="submit" disabled={busy}>
        {label}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
