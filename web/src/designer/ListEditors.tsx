// Editors of a node's lists and maps: a command's argument vector, an expression node's
// assignments and slots, a command's environment.

import { BindingInput } from "./BindingInput";
import { NewEntry, RemoveEntry } from "./EntryButtons";
import type { ScopeEntry } from "./scope";

interface ArgvProps {
  argv: string[];
  onChange: (argv: string[]) => void;
  scope: ScopeEntry[];
  readOnly: boolean;
}

/** A command's arguments, one field each (never a shell string); {{ expr }} templates allowed. */
export function ArgvEditor({ argv, onChange, scope, readOnly }: ArgvProps) {
  return (
    <fieldset className="designer-fieldset">
      <legend>Arguments</legend>
      <ol className="designer-list">
        {argv.map((arg, index) => (
          <li key={index} className="designer-row">
            <BindingInput
              label={index === 0 ? "Argument 1 (the program)" : `Argument ${index + 1}`}
              value={arg}
              onChange={(text) => onChange(argv.map((old, i) => (i === index ? text : old)))}
              scope={scope}
              readOnly={readOnly}
            />
            {!readOnly && argv.length > 1 && (
              <button
                type="button"
                className="designer-small"
                aria-label={`Remove argument ${index + 1}`}
                onClick={() => onChange(argv.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ol>
      {!readOnly && (
        <button type="button" className="designer-small" onClick={() => onChange([...argv, ""])}>
          Add argument
        </button>
      )}
      <p className="designer-hint">Text, with {"{{ expression }}"} templates: {"{{ inputs.name }}"}.</p>
    </fieldset>
  );
}

interface MapProps {
  legend: string;
  noun: string;
  entries: Record<string, string>;
  onChange: (entries: Record<string, string>) => void;
  scope: ScopeEntry[];
  readOnly: boolean;
  valid: (name: string) => boolean;
  /** What a new entry starts with. */
  initial: string;
}

/** Named expressions (assignments, slots, environment variables). */
export function MapEditor({ legend, noun, entries, onChange, scope, readOnly, valid, initial }: MapProps) {
  return (
    <fieldset className="designer-fieldset">
      <legend>{legend}</legend>
      {Object.keys(entries).length === 0 && <p className="muted">None.</p>}
      {Object.entries(entries).map(([key, text]) => (
        <div key={key} className="designer-row">
          <BindingInput
            label={key}
            value={text}
            onChange={(value) => onChange({ ...entries, [key]: value })}
            scope={scope}
            readOnly={readOnly}
          />
          {!readOnly && (
            <RemoveEntry
              noun={noun}
              entry={key}
              onRemove={() => onChange(Object.fromEntries(Object.entries(entries).filter(([k]) => k !== key)))}
            />
          )}
        </div>
      ))}
      {!readOnly && (
        <NewEntry
          noun={noun}
          accepts={(name) => valid(name) && !(name in entries)}
          onAdd={(name) => onChange({ ...entries, [name]: initial })}
        />
      )}
    </fieldset>
  );
}
