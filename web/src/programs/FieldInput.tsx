import { controlOf, type FieldValue } from "./fields";
import type { Parameter } from "./types";

interface Props {
  parameter: Parameter;
  value: FieldValue;
  problem: string | null;
  onChange: (value: FieldValue) => void;
}

function typeLabel(parameter: Parameter): string {
  if (parameter.type === "list") return `list of ${parameter.items ?? "string"}, one per line`;
  return parameter.nullable ? `${parameter.type} or empty` : parameter.type;
}

/** One parameter of main() as a labelled form control, with its type, help and problem. */
export function FieldInput({ parameter, value, problem, onChange }: Props) {
  const id = `field-${parameter.name}`;
  const help = `${id}-help`;
  const error = `${id}-error`;
  const control = controlOf(parameter);
  const common = {
    id,
    name: parameter.name,
    "aria-invalid": problem ? true : undefined,
    "aria-describedby": problem ? `${help} ${error}` : help,
    required: parameter.required && !parameter.nullable,
  };
  const text = typeof value === "string" ? value : "";
  let input;
  if (control === "checkbox") {
    input = (
      <input
        {...common}
        required={false}
        type="checkbox"
        checked={value === true}
        onChange={(event) => onChange(event.target.checked)}
      />
    );
  } else if (control === "select") {
    input = (
      <select {...common} value={text} onChange={(event) => onChange(event.target.value)}>
        {!common.required && <option value="">(default)</option>}
        {parameter.choices.map((choice) => (
          <option key={String(choice)} value={String(choice)}>
            {String(choice)}
          </option>
        ))}
      </select>
    );
  } else if (control === "lines") {
    input = (
      <textarea {...common} rows={3} value={text} onChange={(event) => onChange(event.target.value)} />
    );
  } else {
    const html = { integer: "number", number: "number", date: "date" }[control as string];
    input = (
      <input
        {...common}
        type={html ?? (control === "datetime-local" ? "datetime-local" : "text")}
        step={control === "integer" ? 1 : control === "number" ? "any" : undefined}
        inputMode={control === "integer" ? "numeric" : control === "number" ? "decimal" : undefined}
        value={text}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  }
  return (
    <div className={`field${problem ? " field-invalid" : ""}`}>
      <label htmlFor={id}>
        {parameter.name}
      </label>
      {input}
      <span id={help} className="muted">
        {typeLabel(parameter)}
        {common.required && ", required"}
        {parameter.description && ` — ${parameter.description}`}
      </span>
      {problem && (
        <span id={error} className="error" role="alert">
          {parameter.name}: {problem}
        </span>
      )}
    </div>
  );
}
