import { useEffect, useMemo, useRef, useState } from "react";

import { describe } from "../components/Problem";
import { designApi } from "./designApi";
import { outputsOf } from "./scope";
import type { JobDocument, JobNode, Ports, Variable } from "./types";

/** Where a node's ports come from: a component to ask the API about, or none. */
function componentKey(node: JobNode): string | null {
  if (node.kind === "program" && typeof node.program === "string" && node.program.includes(".")) {
    return `program:${node.program}@${typeof node.service === "string" ? node.service : ""}`;
  }
  if (node.kind === "job" && typeof node.job === "string" && node.job) {
    return `job:${node.job}@${typeof node.version === "number" ? node.version : ""}`;
  }
  return null;
}

async function fetchPorts(key: string): Promise<Ports> {
  const [kind, rest] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
  const [name, extra] = rest.split("@");
  if (kind === "program") return designApi.programPorts(name, extra || null);
  return designApi.jobPorts(name, extra ? Number(extra) : null);
}

function declaredPorts(variables: unknown): Ports["inputs"] {
  const found: Ports["inputs"] = {};
  for (const [name, v] of Object.entries((variables ?? {}) as Record<string, Variable>)) {
    found[name] = {
      type: v.type ?? "string",
      required: Boolean(v.required) && v.default == null,
      description: v.description ?? "",
    };
  }
  return found;
}

/** The ports of the kinds that are not components, read from the node itself. */
function localPorts(node: JobNode): Ports {
  const outputs = outputsOf(node, undefined);
  if (node.kind === "service") {
    const inputs = declaredPorts(node.inputs);
    const fields = Object.entries((node.outputs ?? {}) as Record<string, Variable>);
    if (fields.length > 0) {
      outputs.json = `object{${fields.map(([name, v]) => `${name}: ${v.type ?? "string"}`).join(", ")}}`;
    }
    return { inputs, outputs, open_inputs: Object.keys(inputs).length === 0, source: "declared schema" };
  }
  const open = node.kind === "command" || node.kind === "emit";
  return { inputs: {}, outputs, open_inputs: open, source: node.kind };
}

export interface NodePorts {
  /** Each node's ports, once known. */
  ports: Record<string, Ports | undefined>;
  /** Why a node's component's ports could not be read. */
  problems: Record<string, string>;
}

/** The ports of every node of the document: asked of the API once per component. */
export function usePorts(doc: JobDocument): NodePorts {
  const [known, setKnown] = useState<Record<string, Ports | string>>({});
  const asked = useRef(new Set<string>());
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const keys = useMemo(
    () => [...new Set(doc.nodes.map(componentKey).filter((key): key is string => key !== null))],
    [doc.nodes],
  );
  useEffect(() => {
    for (const key of keys) {
      if (asked.current.has(key)) continue;
      asked.current.add(key);
      const keep = (found: Ports | string) => {
        if (mounted.current) setKnown((current) => ({ ...current, [key]: found }));
      };
      fetchPorts(key).then(keep, (error: unknown) => keep(describe(error)));
    }
  }, [keys]);
  return useMemo(() => {
    const ports: NodePorts["ports"] = {};
    const problems: NodePorts["problems"] = {};
    for (const node of doc.nodes) {
      const key = componentKey(node);
      if (key === null) {
        if (node.kind !== "program" && node.kind !== "job") ports[node.id] = localPorts(node);
        continue;
      }
      const found = known[key];
      if (typeof found === "object") ports[node.id] = found;
      else if (typeof found === "string") problems[node.id] = found;
    }
    return { ports, problems };
  }, [doc.nodes, known]);
}
