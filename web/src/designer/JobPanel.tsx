import { JOB_NAME, withField } from "./document";
import { TextField } from "./Fields";
import type { ScopeEntry } from "./scope";
import type { JobDocument } from "./types";
import { TYPES, VariablesEditor } from "./VariablesEditor";

interface Props {
  doc: JobDocument;
  isNew: boolean;
  endScope: ScopeEntry[];
  readOnly: boolean;
  onChange: (doc: JobDocument) => void;
}

/** The job itself (when no node or edge is selected): name, description, typed variables. */
export function JobPanel({ doc, isNew, endScope, readOnly, onChange }: Props) {
  const set = (key: string, value: unknown) => onChange(withField(doc, key, value));
  const badName = isNew && doc.name !== "" && !JOB_NAME.test(doc.name);
  const nameHint = badName ? (
    <span className="error">Letters, digits, _ and -, in parts joined by dots, each starting with a letter.</span>
  ) : (
    "sales.daily-report"
  );
  return (
    <div className="designer-panel-body">
      <h2 id="designer-properties-title">Job</h2>
      <p className="designer-hint">Select a node or an edge to see its properties.</p>
      {isNew ? (
        <TextField
          label="Job name"
          value={doc.name}
          onChange={(name) => onChange({ ...doc, name })}
          readOnly={readOnly}
          hint={nameHint}
        />
      ) : (
        <p>
          Name: <strong className="designer-code">{doc.name}</strong>
        </p>
      )}
      <TextField
        label="Description"
        value={doc.description ?? ""}
        onChange={(v) => set("description", v)}
        readOnly={readOnly}
      />
      <datalist id="designer-types">
        {TYPES.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      <VariablesEditor
        legend="Inputs (given when it runs)"
        noun="input"
        variables={doc.inputs ?? {}}
        onChange={(v) => set("inputs", v)}
        readOnly={readOnly}
        withRequired
      />
      <VariablesEditor
        legend="Variables (set by expression nodes)"
        noun="variable"
        variables={doc.variables ?? {}}
        onChange={(v) => set("variables", v)}
        readOnly={readOnly}
      />
      <VariablesEditor
        legend="Outputs (computed when it ends)"
        noun="output"
        variables={doc.outputs ?? {}}
        onChange={(v) => set("outputs", v)}
        readOnly={readOnly}
        valueScope={endScope}
      />
    </div>
  );
}
