import { describe, expect, it } from "vitest";

import type { DiffView } from "./HistoryApi";
import { changeWords, diffGraph } from "./VersionDiffModel";
import type { JobDocument } from "./types";

const empty = { added: [], removed: [], changed: [] };

function diffOf(nodes: DiffView["nodes"]): DiffView {
  return {
    name: "j",
    from_version: 1,
    to_version: 2,
    same: false,
    text: "x",
    changed: [],
    nodes,
    edges: { added: [], removed: [] },
    inputs: empty,
    outputs: empty,
    variables: empty,
  };
}

describe("the diff graph", () => {
  it("marks a container changed when a node inside it changed", () => {
    const loop = (argv: string[]): JobDocument => ({
      name: "j",
      nodes: [
        { id: "start", kind: "command", argv: ["true"] },
        {
          id: "again",
          kind: "loop",
          condition: "true",
          body: { nodes: [{ id: "step", kind: "command", argv }] },
        },
      ],
      edges: [{ from: "start", to: "again" }],
    });
    const changes = { added: [], removed: [], changed: [{ id: "step", keys: ["argv"] }] };
    const graph = diffGraph(loop(["a"]), loop(["b"]), diffOf(changes));
    const again = graph.nodes.find((node) => node.id === "again");
    expect(again?.change).toBe("changed");
    expect(again && changeWords(again)).toBe("changed: 1 inside");
    expect(graph.nodes.find((node) => node.id === "start")?.change).toBe("unchanged");
    // Laid out in layers: the loop after its source.
    expect(again?.position.x).toBeGreaterThan(graph.nodes[0].position.x);
  });

  it("ghosts removed nodes and edges and keeps documented positions", () => {
    const older: JobDocument = {
      name: "j",
      nodes: [
        { id: "a", kind: "wait", position: { x: 0, y: 0 } },
        { id: "gone", kind: "wait", position: { x: 0, y: 100 } },
      ],
      edges: [{ from: "a", to: "gone" }],
    };
    const newer: JobDocument = {
      name: "j",
      nodes: [
        { id: "a", kind: "wait", position: { x: 0, y: 0 } },
        { id: "new", kind: "emit", position: { x: 0, y: 100 } },
      ],
      edges: [{ from: "a", to: "new", on: "always" }],
    };
    const graph = diffGraph(older, newer, diffOf({ added: ["new"], removed: ["gone"], changed: [] }));
    expect(graph.nodes.map((node) => [node.id, node.change])).toEqual([
      ["a", "unchanged"],
      ["new", "added"],
      ["gone", "removed"],
    ]);
    expect(graph.nodes[1].position).toEqual({ x: 0, y: 100 });
    // The removed node stood where the new one stands: moved aside so both show.
    expect(graph.nodes[2].position).not.toEqual({ x: 0, y: 100 });
    expect(graph.edges.map((edge) => [edge.to, edge.on, edge.change])).toEqual([
      ["new", "always", "added"],
      ["gone", "success", "removed"],
    ]);
  });
});
