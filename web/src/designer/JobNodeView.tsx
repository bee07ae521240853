import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";

import { slotsOf } from "./document";
import type { NodeIssues } from "./issues";
import type { JobNode } from "./types";

export interface JobNodeData extends Record<string, unknown> {
  node: JobNode;
  issues?: NodeIssues;
}

export type CanvasNode = Node<JobNodeData, "job">;

/** One line about what a node does: its program, command, condition ... */
export function subtitleOf(node: JobNode): string {
  switch (node.kind) {
    case "program":
      return String(node.program || "no program chosen");
    case "job":
      return String(node.job || "no job chosen");
    case "command":
      return Array.isArray(node.argv) ? node.argv.join(" ") : "";
    case "service":
      return `${String(node.method ?? "POST")} ${String(node.url ?? "")}`;
    case "if":
    case "loop":
      return String(node.condition ?? "");
    case "foreach":
      return `for each of ${String(node.items ?? "")}`;
    case "emit":
      return `event ${String(node.event ?? "")}`;
    case "terminate":
      return String(node.status ?? "succeeded");
    default:
      return node.description ?? "";
  }
}

/** A node on the canvas: kind, id, what it does; its issues as a badge and a colour. */
export function JobNodeView({ data, selected }: NodeProps<CanvasNode>) {
  const { node, issues } = data;
  const slots = slotsOf(node);
  const state = issues?.errors ? "error" : issues?.warnings ? "warning" : "ok";
  const count = (issues?.errors ?? 0) + (issues?.warnings ?? 0);
  const classes = [
    "designer-node",
    `designer-node--${state}`,
    `designer-kind--${node.kind}`,
    selected ? "is-selected" : "",
    node.disabled ? "is-disabled" : "",
  ];
  return (
    <div
      className={classes.filter(Boolean).join(" ")}
      title={issues?.messages.join("\n")}
    >
      <Handle type="target" position={Position.Left} aria-label={`Into ${node.id}`} />
      <div className="designer-node__kind">{node.kind}</div>
      <div className="designer-node__id">{node.name || node.id}</div>
      {node.name && <div className="designer-node__sub">{node.id}</div>}
      <div className="designer-node__sub">{subtitleOf(node)}</div>
      {count > 0 && (
        <span
          className={`designer-badge designer-badge--${state}`}
          aria-label={`${count} ${count === 1 ? "issue" : "issues"}`}
        >
          {count}
        </span>
      )}
      {slots.length === 0 ? (
        <Handle type="source" position={Position.Right} aria-label={`Out of ${node.id}`} />
      ) : (
        slots.map((slot, index) => (
          <Handle
            key={slot}
            id={slot}
            type="source"
            position={Position.Right}
            style={{ top: `${((index + 1) * 100) / (slots.length + 1)}%` }}
            aria-label={`${slot} of ${node.id}`}
          >
            <span className="designer-handle-label">{slot}</span>
          </Handle>
        ))
      )}
    </div>
  );
}
