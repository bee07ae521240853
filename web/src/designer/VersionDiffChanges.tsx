import type { DiffView, SectionChanges } from "./HistoryApi";
import type { JobEdge } from "./types";

type ItemChange = "added" | "removed" | "changed";

interface Item {
  key: string;
  change: ItemChange;
  words: string;
}

const item = (key: string, change: ItemChange, words: string): Item => ({ key, change, words });

function edgeWords(edge: JobEdge): string {
  const on = edge.on ?? "success";
  const condition = edge.condition ? ` (${edge.condition})` : "";
  return `${edge.from} → ${edge.to} on ${on}${condition}`;
}

function section(name: string, changes: SectionChanges): Item[] {
  return [
    ...changes.added.map((key) => item(`${name}+${key}`, "added", `${name} ${key}`)),
    ...changes.removed.map((key) => item(`${name}-${key}`, "removed", `${name} ${key}`)),
    ...changes.changed.map((key) => item(`${name}~${key}`, "changed", `${name} ${key}`)),
  ];
}

function items(diff: DiffView): Item[] {
  return [
    ...diff.nodes.added.map((id) => item(`n+${id}`, "added", `node ${id}`)),
    ...diff.nodes.removed.map((id) => item(`n-${id}`, "removed", `node ${id}`)),
    ...diff.nodes.changed.map(({ id, keys }) =>
      item(`n~${id}`, "changed", `node ${id}${keys.length ? `: ${keys.join(", ")}` : ""}`),
    ),
    ...diff.edges.added.map((edge) => item(`e+${JSON.stringify(edge)}`, "added", `edge ${edgeWords(edge)}`)),
    ...diff.edges.removed.map((edge) =>
      item(`e-${JSON.stringify(edge)}`, "removed", `edge ${edgeWords(edge)}`),
    ),
    ...section("input", diff.inputs),
    ...section("output", diff.outputs),
    ...section("variable", diff.variables),
    ...diff.changed.map((key) => item(`k~${key}`, "changed", key)),
  ];
}

/** Every change from one version to the other, in words. */
export function VersionDiffChanges({ diff }: { diff: DiffView }) {
  const found = items(diff);
  if (found.length === 0) {
    const words = diff.same ? "The two versions are the same." : "Only formatting changed.";
    return <p className="muted">{words}</p>;
  }
  return (
    <ul className="vdiff-changes" aria-label="Changes">
      {found.map((change) => (
        <li key={change.key} className={`vdiff-change vdiff-change-${change.change}`}>
          <span className={`vdiff-tag vdiff-${change.change}`}>{change.change}</span> {change.words}
        </li>
      ))}
    </ul>
  );
}
