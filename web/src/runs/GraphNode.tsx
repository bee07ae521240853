import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";

import { colourOf } from "./states";

/** What a drawn node knows: its document node, its state in this run, and how to select it. */
export type RunNodeData = {
  key: string;
  nodeId: string;
  label: string;
  kind: string;
  state: string;
  instances: number;
  attempts: number;
  disabled: boolean;
  selected: boolean;
  onSelect: (key: string) => void;
};

export type RunFlowNode = Node<RunNodeData, "state" | "container">;
export type LaneFlowNode = Node<{ label: string }, "lane">;

function detail(data: RunNodeData): string {
  const parts: string[] = [];
  if (data.instances > 1) parts.push(`${data.instances} instances`);
  if (data.attempts > data.instances) parts.push(`${data.attempts} attempts`);
  if (data.disabled) parts.push("disabled");
  return parts.join(" · ");
}

function SelectButton({ data }: { data: RunNodeData }) {
  const more = detail(data);
  return (
    <button
      type="button"
      className="runs-node__button nodrag nopan"
      aria-pressed={data.selected}
      style={{ pointerEvents: "all" }}
      title={`Show the logs and outputs of ${data.nodeId}`}
      onClick={() => data.onSelect(data.key)}
    >
      <span className="runs-node__kind">{data.kind}</span>
      <span className="runs-node__name">{data.label}</span>
      <span className="runs-node__state">
        {data.state}
        {more && <span className="runs-node__more"> · {more}</span>}
      </span>
    </button>
  );
}

function styleOf(state: string, selected: boolean) {
  const colour = colourOf(state);
  return {
    background: colour.fill,
    borderColor: colour.border,
    color: colour.text,
    boxShadow: selected ? `0 0 0 3px ${colour.border}55` : undefined,
  };
}

/** A node of the job, coloured by its state in the run. */
export function StateNode({ data }: NodeProps<RunFlowNode>) {
  return (
    <div
      className={`runs-node runs-node--${data.state.toLowerCase()}${data.selected ? " runs-node--selected" : ""}`}
      data-state={data.state}
      style={styleOf(data.state, data.selected)}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <SelectButton data={data} />
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

/** A container (parallel, foreach, loop): a box around its flows, coloured by its state. */
export function ContainerNode({ data }: NodeProps<RunFlowNode>) {
  const colour = colourOf(data.state);
  return (
    <div
      className={`runs-container runs-node--${data.state.toLowerCase()}${data.selected ? " runs-node--selected" : ""}`}
      data-state={data.state}
      style={{ ...styleOf(data.state, data.selected), background: `${colour.fill}99` }}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <SelectButton data={data} />
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

/** One branch of a parallel: a labelled lane. */
export function LaneNode({ data }: NodeProps<LaneFlowNode>) {
  return (
    <div className="runs-lane">
      <span className="runs-lane__label">{data.label}</span>
    </div>
  );
}

export const NODE_TYPES = { state: StateNode, container: ContainerNode, lane: LaneNode };
