import { useEffect, useId, useState } from "react";

import { Problem } from "../components/Problem";
import { historyApi, type DiffView } from "./HistoryApi";
import { VersionDiffChanges } from "./VersionDiffChanges";
import { VersionDiffGraph, VersionDiffLegend } from "./VersionDiffGraph";
import { diffGraph, type DiffGraph } from "./VersionDiffModel";
import { VersionDiffText } from "./VersionDiffText";

type Loaded =
  | { state: "loading" }
  | { state: "failed"; error: unknown }
  | { state: "ready"; diff: DiffView; graph: DiffGraph };

/** What changed from version `from` to version `to`: a graph, a list of changes, the text diff. */
export function VersionDiff({ name, from, to }: { name: string; from: number; to: number }) {
  const id = useId();
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });

  useEffect(() => {
    let current = true;
    setLoaded({ state: "loading" });
    Promise.all([
      historyApi.diff(name, from, to),
      historyApi.version(name, from),
      historyApi.version(name, to),
    ]).then(
      ([diff, older, newer]) => {
        if (!current) return;
        const graph = diffGraph(older.document, newer.document, diff);
        setLoaded({ state: "ready", diff, graph });
      },
      (error: unknown) => {
        if (current) setLoaded({ state: "failed", error });
      },
    );
    return () => {
      current = false;
    };
  }, [name, from, to]);

  return (
    <section className="vdiff" aria-labelledby={`${id}-title`} aria-busy={loaded.state === "loading"}>
      <h3 id={`${id}-title`}>
        Changes from version {from} to version {to}
      </h3>
      {loaded.state === "loading" && <p role="status">Comparing versions {from} and {to}…</p>}
      {loaded.state === "failed" && <Problem error={loaded.error} />}
      {loaded.state === "ready" && (
        <>
          <VersionDiffLegend from={from} />
          <VersionDiffGraph graph={loaded.graph} from={from} to={to} />
          <div className="vdiff-details">
            <section aria-labelledby={`${id}-changes`}>
              <h4 id={`${id}-changes`}>What changed</h4>
              <VersionDiffChanges diff={loaded.diff} />
            </section>
            <section aria-labelledby={`${id}-text`}>
              <h4 id={`${id}-text`}>Text diff</h4>
              <VersionDiffText text={loaded.diff.text} />
            </section>
          </div>
        </>
      )}
    </section>
  );
}
