import { BindingInput } from "./BindingInput";
import { NewEntry, RemoveEntry } from "./EntryButtons";
import { IDENTIFIER, withField } from "./document";
import type { ScopeEntry } from "./scope";
import type { Variable } from "./types";

export const TYPES = [
  "string",
  "integer",
  "number",
  "boolean",
  "date",
  "datetime",
  "object",
  "any",
  "list",
  "list<string>",
  "list<integer>",
  "list<number>",
];

const TEXTUAL = new Set(["string", "date", "datetime"]);

/** A default as typed: text for textual types, JSON (or text when it is not JSON) otherwise. */
export function parseDefault(text: string, type: string): unknown {
  if (text === "") return undefined;
  if (TEXTUAL.has(type)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function defaultText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

interface Props<V extends Variable> {
  legend: string;
  noun: string;
  variables: Record<string, V>;
  onChange: (variables: Record<string, V>) => void;
  readOnly: boolean;
  /** Outputs: each has a value expression, read in this scope. */
  valueScope?: ScopeEntry[];
  withRequired?: boolean;
}

/** A job's typed variables (inputs, variables, outputs): name, type, required, default. */
export function VariablesEditor<V extends Variable & { value?: string }>(props: Props<V>) {
  const { legend, noun, variables, onChange, readOnly, valueScope, withRequired } = props;
  const set = (key: string, variable: V) => onChange({ ...variables, [key]: variable });
  const setField = (key: string, field: string, value: unknown) => set(key, withField(variables[key], field, value));
  const remove = (key: string) => onChange(Object.fromEntries(Object.entries(variables).filter(([k]) => k !== key)));
  return (
    <fieldset className="designer-fieldset">
      <legend>{legend}</legend>
      {Object.keys(variables).length === 0 && <p className="muted">None.</p>}
      {Object.entries(variables).map(([key, variable]) => (
        <div key={key} className="designer-variable" role="group" aria-label={`${noun} ${key}`}>
          <strong className="designer-code">{key}</strong>
          <label className="designer-field">
            <span>Type</span>
            <input
              list="designer-types"
              value={variable.type ?? "string"}
              readOnly={readOnly}
              onChange={(e) => setField(key, "type", e.target.value === "string" ? undefined : e.target.value)}
            />
          </label>
          {valueScope ? (
            <BindingInput
              label="Value"
              value={variable.value ?? ""}
              onChange={(v) => set(key, { ...variable, value: v })}
              scope={valueScope}
              readOnly={readOnly}
            />
          ) : (
            <label className="designer-field">
              <span>Default</span>
              <input
                value={defaultText(variable.default)}
                readOnly={readOnly}
                onChange={(e) => setField(key, "default", parseDefault(e.target.value, variable.type ?? "string"))}
              />
            </label>
          )}
          {withRequired && (
            <label className="designer-check">
              <input
                type="checkbox"
                checked={Boolean(variable.required)}
                disabled={readOnly}
                onChange={(e) => set(key, withField(variable, "required", e.target.checked || undefined))}
              />
              <span>Required</span>
            </label>
          )}
          {!readOnly && <RemoveEntry noun={noun} entry={key} onRemove={() => remove(key)} />}
        </div>
      ))}
      {!readOnly && (
        <NewEntry
          noun={noun}
          accepts={(name) => IDENTIFIER.test(name) && !(name in variables)}
          onAdd={(name) => set(name, (valueScope ? { value: "null" } : {}) as V)}
        />
      )}
    </fieldset>
  );
}
