import {
  Background,
  Controls,
  Panel,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useMemo, useState, type Dispatch, type DragEvent, type SetStateAction } from "react";

import { addEdge, placeNodes, removeEdges, removeNodes, slotsOf, updateNode } from "./document";
import { canvasEdge, EDGE_COLOURS } from "./edgeStyle";
import type { NodeIssues } from "./issues";
import { JobNodeView, type CanvasNode } from "./JobNodeView";
import {
  EDGE_KINDS,
  PALETTE_MIME,
  type JobDocument,
  type PaletteItem,
  type Position,
  type Selection,
} from "./types";

const NODE_TYPES = { job: JobNodeView };

interface Props {
  doc: JobDocument;
  issues: Record<string, NodeIssues>;
  selection: Selection;
  readOnly: boolean;
  onChange: (doc: JobDocument) => void;
  onSelect: Dispatch<SetStateAction<Selection>>;
  onDropItem: (item: PaletteItem, position: Position) => void;
}

/** The job drawn as a graph: drop palette items on it, drag nodes, connect them, delete. */
export function Canvas({ doc, issues, selection, readOnly, onChange, onSelect, onDropItem }: Props) {
  const flow = useReactFlow();
  // React Flow needs each node's measured size back on every render.
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});
  // Fit a loaded job into view once; a new job's first node must not move the view it was
  // dropped in.
  const [fit] = useState(doc.nodes.length > 0);

  // Nodes without a place (written in the YAML view) are drawn where a layout puts them; the
  // document gets their place only when they are moved.
  const placed = useMemo(() => placeNodes(doc).nodes, [doc]);
  const nodes = useMemo<CanvasNode[]>(
    () =>
      doc.nodes.map((node, index) => {
        const found = issues[node.id];
        const problems = found
          ? `, ${counted(found.errors, "error")}, ${counted(found.warnings, "warning")}`
          : "";
        return {
          id: node.id,
          type: "job",
          position: node.position ?? placed[index]?.position ?? { x: 0, y: 0 },
          data: { node, issues: found },
          selected: selection?.type === "node" && selection.id === node.id,
          measured: sizes[node.id],
          ariaLabel: `${node.kind} node ${node.id}${problems}`,
        };
      }),
    [doc.nodes, issues, placed, selection, sizes],
  );
  const edges = useMemo(
    () =>
      (doc.edges ?? []).map((edge, index) => {
        const source = doc.nodes.find((node) => node.id === edge.from);
        const selected = selection?.type === "edge" && selection.index === index;
        return canvasEdge(edge, index, selected, slotsOf(source).length > 0);
      }),
    [doc.edges, doc.nodes, selection],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      let next = doc;
      let measured: Record<string, { width: number; height: number }> | null = null;
      for (const change of changes) {
        if (change.type === "position" && change.position && !readOnly) {
          const at = { x: Math.round(change.position.x), y: Math.round(change.position.y) };
          next = updateNode(next, change.id, (node) => ({ ...node, position: at }));
        } else if (change.type === "dimensions" && change.dimensions) {
          measured = { ...(measured ?? sizes), [change.id]: change.dimensions };
        } else if (change.type === "select") {
          const id = change.id;
          if (change.selected) onSelect({ type: "node", id });
          else onSelect((current) => (current?.type === "node" && current.id === id ? null : current));
        }
      }
      if (measured) setSizes(measured);
      if (next !== doc) onChange(next);
    },
    [doc, onChange, onSelect, readOnly, sizes],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      for (const change of changes) {
        if (change.type !== "select") continue;
        const index = Number(change.id.slice(1));
        if (change.selected) onSelect({ type: "edge", index });
        else onSelect((current) => (current?.type === "edge" && current.index === index ? null : current));
      }
    },
    [onSelect],
  );

  const onDelete = useCallback(
    ({ nodes: gone, edges: cut }: { nodes: CanvasNode[]; edges: { id: string }[] }) => {
      if (readOnly) return;
      let next = removeEdges(doc, cut.map((edge) => Number(edge.id.slice(1))));
      next = removeNodes(next, gone.map((node) => node.id));
      onSelect(null);
      onChange(next);
    },
    [doc, onChange, onSelect, readOnly],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      if (!readOnly) onChange(addEdge(doc, connection.source, connection.target, connection.sourceHandle));
    },
    [doc, onChange, readOnly],
  );

  const onDragOver = (event: DragEvent) => {
    if (readOnly || !event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  };
  const onDrop = (event: DragEvent) => {
    const raw = event.dataTransfer.getData(PALETTE_MIME);
    if (readOnly || !raw) return;
    event.preventDefault();
    const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    onDropItem(JSON.parse(raw) as PaletteItem, { x: at.x - 80, y: at.y - 30 });
  };

  return (
    <div className="designer-canvas" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<CanvasNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onDelete={onDelete}
        onConnect={onConnect}
        isValidConnection={(connection) => connection.source !== connection.target}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
        multiSelectionKeyCode={null}
        fitView={fit}
        fitViewOptions={{ maxZoom: 1, padding: 0.2 }}
        minZoom={0.2}
        aria-label="Job graph"
      >
        <Background gap={16} />
        <Controls showInteractive={false} />
        <Panel position="top-right" className="designer-canvas__legend" aria-label="Edge colours">
          {EDGE_KINDS.map((kind) => (
            <span key={kind}>
              <span className="designer-swatch" style={{ background: EDGE_COLOURS[kind] }} aria-hidden="true" />
              {kind}
            </span>
          ))}
        </Panel>
        {doc.nodes.length === 0 && (
          <Panel position="top-center" className="designer-canvas__hint">
            {readOnly
              ? "This job has no nodes."
              : "Drag a node kind or a component from the palette here, or press its Add button."}
          </Panel>
        )}
      </ReactFlow>
    </div>
  );
}

/** "1 error", "2 errors", "0 warnings". */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
