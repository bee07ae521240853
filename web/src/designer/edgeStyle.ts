import { MarkerType, type Edge } from "@xyflow/react";

import type { EdgeOn, JobEdge } from "./types";

/** Each edge kind's colour (also in the legend and the edge panel). */
export const EDGE_COLOURS: Record<EdgeOn, string> = {
  success: "#1f7a3a",
  failure: "#b3261e",
  always: "#5c6475",
  condition: "#7048b8",
};

/** What an edge says on the canvas: its slot, its kind, or its condition. */
export function edgeLabel(edge: JobEdge): string {
  const on = edge.on ?? "success";
  if (on === "condition") {
    const text = edge.condition ?? "";
    return `when ${text.length > 28 ? `${text.slice(0, 27)}…` : text}`;
  }
  if (edge.slot) return on === "success" ? edge.slot : `${edge.slot}, ${on}`;
  return on === "success" ? "" : on === "failure" ? "on failure" : "always";
}

/** The canvas edge of the document's edge number `index`. */
export function canvasEdge(edge: JobEdge, index: number, selected: boolean, hasHandle: boolean): Edge {
  const on = edge.on ?? "success";
  const colour = EDGE_COLOURS[on];
  const label = edgeLabel(edge);
  return {
    id: `e${index}`,
    source: edge.from,
    target: edge.to,
    sourceHandle: hasHandle && edge.slot ? edge.slot : null,
    selected,
    label: label || undefined,
    ariaLabel: `Edge ${edge.from} to ${edge.to}: ${on}${edge.slot ? `, ${edge.slot}` : ""}`,
    className: `designer-edge designer-edge--${on}`,
    style: {
      stroke: colour,
      strokeWidth: selected ? 3 : 2,
      strokeDasharray: on === "failure" ? "6 4" : on === "always" ? "2 4" : undefined,
    },
    labelStyle: { fill: colour, fontWeight: 600 },
    labelBgStyle: { fill: "#ffffff" },
    markerEnd: { type: MarkerType.ArrowClosed, color: colour },
    interactionWidth: 24,
  };
}
