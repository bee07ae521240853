import "@xyflow/react/dist/style.css";

import { Background, Controls, MarkerType, ReactFlow, type Edge } from "@xyflow/react";
import { useMemo } from "react";

import { NODE_TYPES, type LaneFlowNode, type RunFlowNode } from "./GraphNode";
import type { Layout, PlacedEdge } from "./layout";
import type { NodeStatus } from "./paths";
import { Swatch } from "./Swatch";

const EDGE_COLOURS: Record<string, string> = {
  success: "#5c6475",
  failure: "#c62637",
  always: "#7a4fd1",
  condition: "#c77700",
};

function edgeLabel(placed: PlacedEdge): string | undefined {
  const { edge } = placed;
  if (edge.slot) return edge.slot;
  if (edge.on === "condition") return edge.condition ? `if ${edge.condition}` : "condition";
  if (edge.on && edge.on !== "success") return `on ${edge.on}`;
  return undefined;
}

function short(text: string | undefined): string | undefined {
  return text && text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

interface Props {
  layout: Layout;
  statuses: Map<string, NodeStatus>;
  selected: string | null;
  onSelect: (key: string | null) => void;
}

/** The job's graph, read-only, each node coloured by its state in the run. */
export function RunGraph({ layout, statuses, selected, onSelect }: Props) {
  const nodes = useMemo(() => {
    const select = (key: string) => onSelect(key === selected ? null : key);
    return layout.boxes.map((box): RunFlowNode | LaneFlowNode => {
      const common = {
        id: box.key,
        position: { x: box.x, y: box.y },
        width: box.width,
        height: box.height,
        parentId: box.parent ?? undefined,
        draggable: false,
        selectable: false,
        connectable: false,
        focusable: false,
      };
      if (box.role === "lane") {
        return { ...common, type: "lane", data: { label: box.label }, zIndex: 0 };
      }
      const status = statuses.get(box.key);
      const state = status?.state ?? "PENDING";
      const nodeId = box.node?.id ?? box.key;
      return {
        ...common,
        type: box.role === "container" ? "container" : "state",
        ariaLabel: `${nodeId}: ${state}`,
        ariaRole: "group",
        data: {
          key: box.key,
          nodeId,
          label: box.label,
          kind: box.node?.kind ?? "",
          state,
          instances: status?.instances ?? 0,
          attempts: status?.attempts ?? 0,
          disabled: box.node?.disabled === true,
          selected: box.key === selected,
          onSelect: select,
        },
      };
    });
  }, [layout, statuses, selected, onSelect]);

  const edges = useMemo(
    () =>
      layout.edges.map((placed): Edge => {
        const colour = EDGE_COLOURS[placed.edge.on ?? "success"] ?? EDGE_COLOURS.success;
        const target = statuses.get(placed.target)?.state;
        return {
          id: placed.key,
          source: placed.source,
          target: placed.target,
          type: "smoothstep",
          label: short(edgeLabel(placed)),
          animated: target === "RUNNING",
          focusable: false,
          selectable: false,
          zIndex: 1,
          style: {
            stroke: colour,
            strokeWidth: 1.6,
            strokeDasharray: placed.edge.on && placed.edge.on !== "success" ? "5 4" : undefined,
          },
          markerEnd: { type: MarkerType.ArrowClosed, color: colour },
        };
      }),
    [layout, statuses],
  );

  const height = Math.min(560, Math.max(260, layout.height + 90));
  return (
    <div className="runs-graph" style={{ height }}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
        zoomOnScroll={false}
        preventScrolling={false}
        onPaneClick={() => onSelect(null)}
      >
        <Background gap={18} size={1} color="#dde2ea" />
        <Controls showInteractive={false} position="top-right" />
      </ReactFlow>
    </div>
  );
}

/** The colours of the states, in words. */
export function GraphLegend({ states }: { states: string[] }) {
  return (
    <ul className="runs-legend" aria-label="Node states">
      {states.map((state) => (
        <li key={state}>
          <Swatch state={state} />
          {state}
        </li>
      ))}
    </ul>
  );
}
