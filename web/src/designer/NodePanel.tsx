import { useState } from "react";

import { BindingsEditor } from "./BindingsEditor";
import { CommonFields, IdField } from "./CommonFields";
import { addEdge, removeNodes, renameNode, slotsOf, updateNode, withField } from "./document";
import { edgeLabel } from "./edgeStyle";
import { SelectField, TextField } from "./Fields";
import { KindFields } from "./KindFields";
import type { ScopeEntry } from "./scope";
import type { Issue, JobDocument, JobNode, Ports, Selection } from "./types";
import type { Catalog } from "./useCatalog";

interface Props {
  doc: JobDocument;
  node: JobNode;
  ports: Ports | undefined;
  portsProblem?: string;
  scope: ScopeEntry[];
  issues: Issue[];
  catalog: Catalog;
  readOnly: boolean;
  onChange: (doc: JobDocument) => void;
  onSelect: (selection: Selection) => void;
}

/** Kinds whose inputs are set by bindings (the others read the scope directly). */
const BOUND = new Set(["program", "job", "service", "command", "emit"]);

/** The selected node: its id, kind's fields, inputs, behaviour and connections. */
export function NodePanel(props: Props) {
  const { doc, node, ports, portsProblem, scope, issues, catalog, readOnly, onChange, onSelect } = props;
  const [target, setTarget] = useState("");
  const change = (next: JobNode) => onChange(updateNode(doc, node.id, () => next));
  const outgoing = (doc.edges ?? [])
    .map((edge, index) => ({ edge, index }))
    .filter(({ edge }) => edge.from === node.id);
  const others = doc.nodes.filter((other) => other.id !== node.id).map((other) => other.id);
  const slots = slotsOf(node);
  return (
    <div className="designer-panel-body">
      <h2 id="designer-properties-title">
        {node.kind} node <span className="designer-code">{node.id}</span>
      </h2>
      <IdField
        id={node.id}
        taken={(id) => doc.nodes.some((other) => other.id === id)}
        onRename={(id) => {
          onChange(renameNode(doc, node.id, id));
          onSelect({ type: "node", id });
        }}
        readOnly={readOnly}
      />
      <TextField
        label="Name"
        value={node.name ?? ""}
        onChange={(v) => change(withField(node, "name", v))}
        readOnly={readOnly}
      />
      <KindFields node={node} onChange={change} scope={scope} readOnly={readOnly} catalog={catalog} />
      {(BOUND.has(node.kind) || Object.keys(node.bindings ?? {}).length > 0) && (
        <BindingsEditor
          node={node}
          ports={ports}
          problem={portsProblem}
          scope={scope}
          issues={issues}
          readOnly={readOnly}
          onChange={change}
        />
      )}
      <CommonFields node={node} onChange={change} readOnly={readOnly} />
      <section className="designer-section" aria-labelledby={`edges-${node.id}`}>
        <h3 id={`edges-${node.id}`}>Next nodes</h3>
        {outgoing.length === 0 && <p className="muted">None: the job ends after it (in this branch).</p>}
        <ul className="designer-list">
          {outgoing.map(({ edge, index }) => (
            <li key={index}>
              <button
                type="button"
                className="designer-link"
                onClick={() => onSelect({ type: "edge", index })}
              >
                to {edge.to} {edgeLabel(edge) ? `(${edgeLabel(edge)})` : "(on success)"}
              </button>
            </li>
          ))}
        </ul>
        {!readOnly && others.length > 0 && (
          <div className="designer-row">
            <SelectField
              label="Connect to"
              value={target}
              options={[["", "choose a node"], ...others.map((id): [string, string] => [id, id])]}
              onChange={setTarget}
            />
            <button
              type="button"
              className="designer-small"
              disabled={!target}
              onClick={() => {
                onChange(addEdge(doc, node.id, target, slots.length > 0 ? undefined : null));
                setTarget("");
              }}
            >
              Connect
            </button>
          </div>
        )}
      </section>
      {!readOnly && (
        <button
          type="button"
          className="designer-danger"
          onClick={() => {
            onSelect(null);
            onChange(removeNodes(doc, [node.id]));
          }}
        >
          Delete node {node.id}
        </button>
      )}
    </div>
  );
}
