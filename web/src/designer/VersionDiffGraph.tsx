import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  type Edge,
  type NodeTypes,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";

import { changeWords, type Change, type DiffEdge, type DiffGraph } from "./VersionDiffModel";
import { VersionDiffNode, type DiffFlowNode } from "./VersionDiffNode";

type DiffEdgeChange = DiffEdge["change"];

const NODE_TYPES: NodeTypes = { diff: VersionDiffNode };

/** The arrowheads' colours (the lines' own are in history.css). */
const EDGE_COLOURS: Record<DiffEdgeChange, string> = {
  added: "#146c2e",
  removed: "#a8071a",
  unchanged: "#6b7384",
};

const LEGEND: { change: Change; words: (from: number) => string }[] = [
  { change: "added", words: () => "Added" },
  { change: "removed", words: (from) => `Removed (as in version ${from})` },
  { change: "changed", words: () => "Changed" },
  { change: "unchanged", words: () => "Unchanged" },
];

/** What the colours of the diff graph mean. */
export function VersionDiffLegend({ from }: { from: number }) {
  return (
    <ul className="vdiff-legend" aria-label="Legend">
      {LEGEND.map(({ change, words }) => (
        <li key={change}>
          <span className={`vdiff-swatch vdiff-${change}`} aria-hidden="true" />
          {words(from)}
        </li>
      ))}
    </ul>
  );
}

/**
 * The newer version's graph, read-only, with each node coloured by its change and the older
 * version's removed nodes and edges ghosted. Its own ReactFlowProvider keeps it apart from the
 * designer's canvas.
 */
export function VersionDiffGraph({ graph, from, to }: { graph: DiffGraph; from: number; to: number }) {
  const nodes = useMemo<DiffFlowNode[]>(
    () =>
      graph.nodes.map((node) => ({
        id: node.id,
        type: "diff",
        position: node.position,
        data: { node },
        className: `vdiff-flow-node vdiff-flow-${node.change}`,
        ariaLabel: `${node.id} (${node.kind}): ${changeWords(node)}`,
        draggable: false,
        selectable: false,
        connectable: false,
        zIndex: node.change === "removed" ? 0 : 1,
      })),
    [graph],
  );
  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((edge) => ({
        id: edge.id,
        source: edge.from,
        target: edge.to,
        label: edge.on === "success" ? undefined : edge.on,
        className: `vdiff-edge vdiff-edge-${edge.change}`,
        markerEnd: { type: MarkerType.ArrowClosed, color: EDGE_COLOURS[edge.change] },
        ariaLabel: `${edge.from} to ${edge.to} on ${edge.on}: ${edge.change}`,
        selectable: false,
        focusable: false,
      })),
    [graph],
  );
  return (
    <div
      className="vdiff-graph"
      role="group"
      aria-label={`Graph of version ${to}, with the changes since version ${from}`}
    >
      <ReactFlowProvider>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
          minZoom={0.2}
        >
          <Background gap={16} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
