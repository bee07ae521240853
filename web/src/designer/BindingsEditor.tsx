import { useState } from "react";

import { BindingInput } from "./BindingInput";
import { bindingText, withBinding } from "./bindings";
import { IDENTIFIER } from "./document";
import type { ScopeEntry } from "./scope";
import type { Issue, JobNode, Ports } from "./types";

interface Props {
  node: JobNode;
  ports: Ports | undefined;
  problem?: string;
  scope: ScopeEntry[];
  issues: Issue[];
  readOnly: boolean;
  onChange: (node: JobNode) => void;
}

const HINT = "A CEL expression: inputs.NAME, nodes.ID.OUTPUT, 42, \"text\".";

/** A node's inputs: one expression per port of its component, more when it takes any name. */
export function BindingsEditor({ node, ports, problem, scope, issues, readOnly, onChange }: Props) {
  const [extra, setExtra] = useState("");
  const bindings = node.bindings ?? {};
  const declared = Object.entries(ports?.inputs ?? {});
  const others = Object.keys(bindings).filter((name) => !ports?.inputs[name]);
  const issuesOf = (name: string) =>
    issues.filter(
      (issue) => issue.path.endsWith(`.bindings.${name}`) || issue.message.includes(`input '${name}'`),
    );
  const extraValid = IDENTIFIER.test(extra) && !(extra in bindings) && !ports?.inputs[extra];

  const field = (name: string, label: string, hint: string) => {
    const found = issuesOf(name);
    return (
      <div key={name} className="designer-binding-row">
        <BindingInput
          label={label}
          value={bindingText(bindings[name])}
          onChange={(text) => onChange(withBinding(node, name, text))}
          scope={scope}
          readOnly={readOnly}
          hint={hint}
          invalid={found.length > 0}
        />
        {found.map((issue) => (
          <p
            key={issue.code + issue.message}
            className={`designer-inline designer-inline--${issue.severity}`}
          >
            {issue.message}
          </p>
        ))}
      </div>
    );
  };

  return (
    <section aria-labelledby={`bindings-${node.id}`} className="designer-section">
      <h3 id={`bindings-${node.id}`}>Inputs</h3>
      {problem && <p className="error">{problem}</p>}
      {!ports && !problem && (node.kind === "program" || node.kind === "job") && (
        <p role="status" className="muted">
          Reading the component's inputs…
        </p>
      )}
      {ports && declared.length === 0 && !ports.open_inputs && (
        <p className="muted">This node takes no input.</p>
      )}
      {declared.map(([name, port]) =>
        field(name, `${name} (${port.type}${port.required ? ", required" : ""})`, port.description || HINT),
      )}
      {others.map((name) => (
        <div key={name} className="designer-row">
          {field(name, ports?.open_inputs ? name : `${name} (not an input)`, HINT)}
          {!readOnly && (
            <button
              type="button"
              className="designer-small"
              aria-label={`Remove input ${name}`}
              onClick={() => onChange(withBinding(node, name, ""))}
            >
              Remove
            </button>
          )}
        </div>
      ))}
      {ports?.open_inputs && !readOnly && (
        <form
          className="designer-row"
          onSubmit={(event) => {
            event.preventDefault();
            if (extraValid) {
              onChange(withBinding(node, extra, '""'));
              setExtra("");
            }
          }}
        >
          <label className="designer-field">
            <span>New input name</span>
            <input value={extra} onChange={(event) => setExtra(event.target.value)} />
          </label>
          <button type="submit" className="designer-small" disabled={!extraValid}>
            Add input
          </button>
        </form>
      )}
    </section>
  );
}
