import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";

import { changeWords, type DiffNode } from "./VersionDiffModel";

export type DiffFlowNode = Node<{ node: DiffNode }, "diff">;

/** A node of the diff graph: its id, kind and name, and its change in words and colour. */
export function VersionDiffNode({ data }: NodeProps<DiffFlowNode>) {
  const { node } = data;
  return (
    <div className={`vdiff-node vdiff-${node.change}`} data-change={node.change}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="vdiff-node-id">{node.id}</div>
      <div className="vdiff-node-kind">
        {node.kind}
        {node.name && node.name !== node.id ? ` · ${node.name}` : ""}
      </div>
      <div className="vdiff-badge">{changeWords(node)}</div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}
