import { useId, useRef, useState, type KeyboardEvent } from "react";

import { completions, type ScopeEntry } from "./scope";

interface Props {
  label: string;
  value: string;
  onChange: (value: string) => void;
  scope: ScopeEntry[];
  readOnly?: boolean;
  hint?: string;
  placeholder?: string;
  invalid?: boolean;
}

/** The dotted name that ends at `caret` (what completion replaces). */
function tokenAt(text: string, caret: number): { start: number; prefix: string } {
  let start = caret;
  while (start > 0 && /[A-Za-z0-9_.]/.test(text[start - 1])) start--;
  return { start, prefix: text.slice(start, caret) };
}

const MAX_SHOWN = 12;

/**
 * A CEL expression field that completes the variables in scope (a combobox: type, or press
 * ArrowDown or Ctrl+Space; Enter or Tab takes the highlighted one; Escape closes the list).
 */
export function BindingInput(props: Props) {
  const { label, value, onChange, scope, readOnly = false, hint, placeholder, invalid } = props;
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [caret, setCaret] = useState(value.length);

  const { start, prefix } = tokenAt(value, Math.min(caret, value.length));
  const shown = completions(scope, prefix).slice(0, MAX_SHOWN);
  const expanded = open && !readOnly && shown.length > 0;

  const accept = (entry: ScopeEntry) => {
    const end = Math.min(caret, value.length);
    const next = value.slice(0, start) + entry.path + value.slice(end);
    onChange(next);
    setOpen(false);
    const at = start + entry.path.length;
    setCaret(at);
    requestAnimationFrame(() => input.current?.setSelectionRange(at, at));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if ((event.key === "ArrowDown" || (event.key === " " && event.ctrlKey)) && !expanded) {
      event.preventDefault();
      setOpen(true);
      setActive(0);
    } else if (expanded && event.key === "ArrowDown") {
      event.preventDefault();
      setActive((active + 1) % shown.length);
    } else if (expanded && event.key === "ArrowUp") {
      event.preventDefault();
      setActive((active - 1 + shown.length) % shown.length);
    } else if (expanded && (event.key === "Enter" || event.key === "Tab")) {
      event.preventDefault();
      accept(shown[Math.min(active, shown.length - 1)]);
    } else if (expanded && event.key === "Escape") {
      event.preventDefault();
      setOpen(false);
    }
  };

  return (
    <div className="designer-field designer-binding">
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        ref={input}
        id={`${id}-input`}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={`${id}-list`}
        aria-activedescendant={expanded ? `${id}-option-${active}` : undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        aria-invalid={invalid || undefined}
        autoComplete="off"
        spellCheck={false}
        className="designer-code"
        value={value}
        placeholder={placeholder}
        readOnly={readOnly}
        onChange={(event) => {
          onChange(event.target.value);
          setCaret(event.target.selectionStart ?? event.target.value.length);
          setOpen(true);
          setActive(0);
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart ?? value.length)}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      {hint && (
        <span id={`${id}-hint`} className="designer-hint">
          {hint}
        </span>
      )}
      <ul
        id={`${id}-list`}
        role="listbox"
        aria-label={`Variables for ${label}`}
        className="designer-completions"
        hidden={!expanded}
      >
        {expanded &&
          shown.map((entry, index) => (
            <li
              key={entry.path}
              id={`${id}-option-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? "is-active" : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                accept(entry);
              }}
            >
              <span className="designer-code">{entry.path}</span>
              <span className="designer-completions__type">{entry.type}</span>
            </li>
          ))}
      </ul>
    </div>
  );
}
