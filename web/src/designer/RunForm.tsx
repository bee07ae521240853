import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";

import { Problem } from "../components/Problem";
import { designApi } from "./designApi";
import type { Variable } from "./types";
import { defaultText } from "./VariablesEditor";

interface Props {
  name: string;
  version: number;
  inputs: Record<string, Variable>;
  /** The designer has changes not saved: the run takes the saved version. */
  unsaved: boolean;
}

type Kind = "boolean" | "number" | "date" | "datetime" | "json" | "text";

const INPUT_TYPES: Record<Kind, string> = {
  boolean: "text",
  number: "number",
  date: "date",
  datetime: "datetime-local",
  json: "text",
  text: "text",
};

function kindOf(type: string | undefined): Kind {
  const t = type ?? "string";
  if (t === "boolean") return "boolean";
  if (t === "integer" || t === "number") return "number";
  if (t === "date" || t === "datetime") return t;
  if (t === "string") return "text";
  return "json";
}

/** A field's text as the value sent (undefined: not given, the job's default applies). */
function valueOf(text: string, kind: Kind, type: string | undefined): unknown {
  if (text === "") return undefined;
  if (kind === "boolean") return text === "true";
  if (kind === "number") return type === "integer" ? Number.parseInt(text, 10) : Number(text);
  if (kind === "json") return JSON.parse(text) as unknown;
  return text;
}

/** Run the job: a form generated from its typed inputs (defaults filled in, required marked). */
export function RunForm({ name, version, inputs, unsaved }: Props) {
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(inputs).map(([key, v]) => [key, defaultText(v.default)])),
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const given: Record<string, unknown> = {};
    for (const [key, variable] of Object.entries(inputs)) {
      try {
        const value = valueOf(values[key] ?? "", kindOf(variable.type), variable.type);
        if (value !== undefined) given[key] = value;
      } catch {
        setError(`Input ${key} is not valid JSON.`);
        return;
      }
    }
    setBusy(true);
    setError(null);
    try {
      const run = await designApi.run(name, given);
      navigate(`/runs/${run.id}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const entries = Object.entries(inputs);
  return (
    <form
      className="designer-run"
      onSubmit={(event) => void submit(event)}
      aria-labelledby="designer-run-title"
    >
      <h2 id="designer-run-title" className="visually-hidden">
        Run
      </h2>
      <p className="muted">
        Runs version {version} of {name}
        {unsaved ? " (the saved one: save your changes first to run them)" : ""}.
      </p>
      {entries.length === 0 && <p>This job takes no input.</p>}
      <div className="designer-run__fields">
        {entries.map(([key, variable]) => {
          const kind = kindOf(variable.type);
          const label = `${key} (${variable.type ?? "string"}${variable.required ? ", required" : ""})`;
          const common = {
            value: values[key] ?? "",
            required: Boolean(variable.required) && variable.default == null,
            onChange: (event: { target: { value: string } }) =>
              setValues({ ...values, [key]: event.target.value }),
          };
          return (
            <label key={key} className="designer-field">
              <span>{label}</span>
              {kind === "boolean" ? (
                <select {...common}>
                  <option value="">{common.required ? "choose" : "not given"}</option>
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : kind === "json" ? (
                <textarea rows={2} className="designer-code" {...common} />
              ) : (
                <input
                  type={INPUT_TYPES[kind]}
                  step={variable.type === "integer" ? 1 : "any"}
                  {...common}
                />
              )}
              {variable.description && <span className="designer-hint">{variable.description}</span>}
            </label>
          );
        })}
      </div>
      <Problem error={error} />
      <button type="submit" className="designer-primary" disabled={busy}>
        {busy ? "Starting…" : "Start run"}
      </button>
    </form>
  );
}
