import { describe, expect, it } from "vitest";

import { ApiError } from "../api";
import { bindingText, withBinding } from "./bindings";
import { addEdge, edgeWithKind, newNode, placeNodes, removeNodes, renameNode } from "./document";
import { documentProblems, issuesByNode } from "./issues";
import { fieldsOf, scopeAt } from "./scope";
import type { JobDocument } from "./types";

const DOC: JobDocument = {
  name: "demo",
  inputs: { year: { type: "integer" } },
  variables: { beat: { type: "boolean" } },
  nodes: [
    { id: "sales", kind: "program", program: "sample.regions", bindings: { year: "inputs.year" } },
    { id: "check", kind: "if", condition: "nodes.sales.result.total > 0" },
    { id: "say", kind: "command", argv: ["echo", "{{ nodes.sales.result.total }}"] },
  ],
  edges: [
    { from: "sales", to: "check" },
    { from: "check", to: "say", slot: "then" },
  ],
};

describe("document changes", () => {
  it("names new nodes after their component or kind, never twice nor as a CEL word", () => {
    const at = { x: 10.4, y: 20.6 };
    expect(newNode(DOC, { kind: "program", program: "sample.add", services: [] }, at)).toEqual({
      id: "add",
      kind: "program",
      program: "sample.add",
      position: { x: 10, y: 21 },
    });
    const withAdd = { ...DOC, nodes: [...DOC.nodes, { id: "add", kind: "program" as const }] };
    expect(newNode(withAdd, { kind: "program", program: "sample.add", services: [] }, at).id).toBe("add_2");
    expect(newNode(DOC, { kind: "if" }, at)).toMatchObject({ id: "if_1", condition: "true" });
    expect(newNode(DOC, { kind: "loop" }, at).id).toBe("loop_1");
  });

  it("gives an edge from an if its free slot, and keeps a condition only on condition edges", () => {
    const doc = { ...DOC, nodes: [...DOC.nodes, { id: "other", kind: "command" as const, argv: ["true"] }] };
    expect(addEdge(doc, "check", "other").edges?.at(-1)).toEqual({ from: "check", to: "other", slot: "else" });
    expect(addEdge(doc, "sales", "sales")).toBe(doc);
    expect(addEdge(doc, "sales", "check")).toBe(doc);
    const conditional = edgeWithKind({ from: "a", to: "b" }, "condition");
    expect(conditional).toEqual({ from: "a", to: "b", on: "condition", condition: "true" });
    expect(edgeWithKind(conditional, "failure")).toEqual({ from: "a", to: "b", on: "failure" });
  });

  it("renames a node in its edges and in the expressions that read it", () => {
    const renamed = renameNode(DOC, "sales", "figures");
    expect(renamed.edges?.[0]).toEqual({ from: "figures", to: "check" });
    expect(renamed.nodes[1].condition).toBe("nodes.figures.result.total > 0");
    expect(renamed.nodes[2].argv).toEqual(["echo", "{{ nodes.figures.result.total }}"]);
    expect(removeNodes(DOC, ["check"]).edges).toEqual([]);
  });

  it("places unplaced nodes in columns by depth", () => {
    const placed = placeNodes(DOC);
    expect(placed.nodes.map((node) => node.position?.x)).toEqual([40, 280, 520]);
  });

  it("edits a binding as the expression it reads as", () => {
    expect(bindingText(5)).toBe("5");
    expect(bindingText({ value: "text" })).toBe('"text"');
    expect(bindingText({ expr: "inputs.x", default: 1 })).toBe("inputs.x");
    const node = { id: "n", kind: "program" as const, bindings: { a: { expr: "inputs.x", default: 1 } } };
    expect(withBinding(node, "a", "inputs.y").bindings).toEqual({ a: { expr: "inputs.y", default: 1 } });
    expect(withBinding(node, "a", "").bindings).toBeUndefined();
  });
});

describe("scope and issues", () => {
  it("offers inputs, variables and the outputs of earlier nodes, fields of objects too", () => {
    expect(fieldsOf("object{total: number, by: object{north: integer}, list: list<object{a: integer}>}")).toEqual({
      total: "number",
      by: "object{north: integer}",
      list: "list<object{a: integer}>",
    });
    const ports = {
      sales: { inputs: {}, outputs: { result: "object{total: number}" }, open_inputs: false, source: "" },
    };
    const paths = scopeAt(DOC, "say", ports).map((entry) => `${entry.path}: ${entry.type}`);
    expect(paths).toEqual([
      "inputs.year: integer",
      "vars.beat: boolean",
      "nodes.sales.result: object{total: number}",
      "nodes.sales.result.total: number",
    ]);
    expect(scopeAt(DOC, "sales", ports).map((entry) => entry.path)).toEqual(["inputs.year", "vars.beat"]);
  });

  it("puts an issue on the node it names, or under whose path it lies", () => {
    const issue = (node: string | null, path: string) => ({ code: "x", message: "m", node, path, severity: "error" as const });
    const found = issuesByNode(DOC, [issue("sales", ""), issue(null, "nodes[2].argv[1]"), issue(null, "edges[1].slot"), issue(null, "outputs.x")]);
    expect(Object.fromEntries(Object.entries(found).map(([id, n]) => [id, n.errors]))).toEqual({ sales: 1, say: 1, check: 1 });
  });

  it("reads the problems of a document the server cannot read", () => {
    const error = new ApiError(400, "invalid_job_document", "the job document is not valid: nodes[1].condition: Field required; edges[0].to: bad; still bad");
    expect(documentProblems(error)?.map((p) => [p.path, p.message])).toEqual([
      ["nodes[1].condition", "Field required"],
      ["edges[0].to", "bad; still bad"],
    ]);
    expect(documentProblems(new ApiError(500, "internal", "x"))).toBeNull();
  });
});
