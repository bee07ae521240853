import { BindingInput } from "./BindingInput";
import { edgeWithKind, removeEdges, slotsOf, updateEdge } from "./document";
import { EDGE_COLOURS } from "./edgeStyle";
import { SelectField } from "./Fields";
import type { ScopeEntry } from "./scope";
import { EDGE_KINDS, type EdgeOn, type JobDocument, type JobEdge, type Selection } from "./types";

interface Props {
  doc: JobDocument;
  index: number;
  scope: ScopeEntry[];
  readOnly: boolean;
  onChange: (doc: JobDocument) => void;
  onSelect: (selection: Selection) => void;
}

const KIND_TEXT: Record<EdgeOn, string> = {
  success: "on success",
  failure: "on failure",
  always: "always",
  condition: "when a condition holds",
};

/** The selected edge: when it is taken (its kind, its condition) and, from an if or an
 * expression node with slots, which slot it leaves by. */
export function EdgePanel({ doc, index, scope, readOnly, onChange, onSelect }: Props) {
  const edge = doc.edges?.[index];
  if (!edge) return null;
  const on = edge.on ?? "success";
  const slots = slotsOf(doc.nodes.find((node) => node.id === edge.from));
  const set = (next: typeof edge) => onChange(updateEdge(doc, index, next));
  return (
    <div className="designer-panel-body">
      <h2 id="designer-properties-title">
        Edge {edge.from} → {edge.to}
      </h2>
      <SelectField
        label="Taken"
        value={on}
        options={EDGE_KINDS.map((kind): [string, string] => [kind, KIND_TEXT[kind]])}
        onChange={(value) => set(edgeWithKind(edge, value as EdgeOn))}
        readOnly={readOnly}
        hint={
          <span className="designer-legend">
            {EDGE_KINDS.map((kind) => (
              <span key={kind}>
                <span className="designer-swatch" style={{ background: EDGE_COLOURS[kind] }} aria-hidden="true" />
                {kind}
              </span>
            ))}
          </span>
        }
      />
      {on === "condition" && (
        <BindingInput
          label="Condition"
          value={edge.condition ?? ""}
          onChange={(value) => set({ ...edge, condition: value })}
          scope={scope}
          readOnly={readOnly}
          hint={`A boolean CEL expression; it may read nodes.${edge.from}'s outputs.`}
        />
      )}
      {slots.length > 0 && (
        <SelectField
          label="Slot"
          value={edge.slot ?? ""}
          options={[["", "none"], ...slots.map((slot): [string, string] => [slot, slot])]}
          onChange={(value) => {
            const next: JobEdge = { ...edge, slot: value };
            if (!value) delete next.slot;
            set(next);
          }}
          readOnly={readOnly}
          hint={`Taken when ${edge.from} leaves by this slot.`}
        />
      )}
      {!readOnly && (
        <button
          type="button"
          className="designer-danger"
          onClick={() => {
            onSelect(null);
            onChange(removeEdges(doc, [index]));
          }}
        >
          Delete edge
        </button>
      )}
    </div>
  );
}
