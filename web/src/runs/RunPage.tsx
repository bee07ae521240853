import "./runs.css";

import { useCallback, useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";

import type { Me } from "../api";
import { Problem } from "../components/Problem";
import type { NodeRun } from "./api";
import type { Layout } from "./layout";
import { NodeDetails } from "./NodeDetails";
import { NodeLogs, type NodeChoice } from "./NodeLogs";
import { Outputs } from "./Outputs";
import { isInstance, isWithin, statusOf, type NodeStatus } from "./paths";
import { RunActions } from "./RunActions";
import { GraphLegend, RunGraph } from "./RunGraph";
import { RunHeader } from "./RunHeader";
import { RUN_TERMINAL } from "./states";
import { Timeline } from "./Timeline";
import { useJobGraph } from "./useJobGraph";
import { useNow } from "./useNow";
import { useRunDetail } from "./useRunDetail";
import { useRunLog } from "./useRunLog";
import { Values } from "./Values";

const NO_RECORDS: NodeRun[] = [];

/** `each[*].greet` reads `each › greet`. */
function labelOf(key: string): string {
  return key.split(/\[\*\]\.|#\*\./).join(" › ");
}

function choicesOf(layout: Layout | null): NodeChoice[] {
  return (layout?.boxes ?? [])
    .filter((box) => box.role !== "lane")
    .map((box) => {
      const covered = [box.key, ...box.inside];
      return { key: box.key, label: labelOf(box.key), matches: (path: string) => covered.some((key) => isWithin(key, path)) };
    });
}

/** A run: its state, graph, timeline, logs and outputs, live while it runs. */
export function RunPage({ me }: { me: Me }) {
  const { id = "" } = useParams();
  const runId = Number(id);
  if (!Number.isInteger(runId) || runId < 1) {
    return (
      <>
        <h1>Run</h1>
        <Problem error={`"${id}" is not a run number.`} />
        <Link to="/runs">All runs</Link>
      </>
    );
  }
  // A new run (run again) starts from a clean page.
  return <RunView key={runId} runId={runId} me={me} />;
}

function RunView({ runId, me }: { runId: number; me: Me }) {
  const { detail, error, refresh, update } = useRunDetail(runId);
  const [selected, setSelected] = useState<string | null>(null);
  const log = useRunLog(runId, refresh);
  const run = detail?.run ?? null;
  const records = detail?.nodes ?? NO_RECORDS;
  const graph = useJobGraph(run?.job ?? null, run?.version ?? null, records);
  const going = run !== null && !RUN_TERMINAL.has(run.state);
  const now = useNow(going);

  const statuses = useMemo(() => {
    const map = new Map<string, NodeStatus>();
    for (const box of graph.layout?.boxes ?? []) {
      if (box.role !== "lane") map.set(box.key, statusOf(box.key, records));
    }
    return map;
  }, [graph.layout, records]);
  const choices = useMemo(() => choicesOf(graph.layout), [graph.layout]);
  const select = useCallback((key: string | null) => setSelected(key), []);

  if (!detail) {
    return (
      <>
        <h1>Run {runId}</h1>
        {error ? <Problem error={error} /> : <p role="status">Loading the run…</p>}
        <Link to="/runs">All runs</Link>
      </>
    );
  }

  const chosen = graph.layout?.boxes.find((box) => box.key === selected && box.role !== "lane");
  const chosenAttempts = chosen ? records.filter((record) => isInstance(chosen.key, record.node)) : [];
  const highlight = chosen ? (path: string) => isInstance(chosen.key, path) : undefined;
  const states = [...new Set([...statuses.values()].map((status) => status.state))];

  return (
    <div className="runs-page">
      <div className="runs-top">
        <RunHeader run={detail.run} now={now} />
        <RunActions run={detail.run} me={me} onCancelled={update} />
      </div>
      {error ? <Problem error={error} /> : null}

      <section className="runs-card" aria-labelledby="runs-graph-title">
        <div className="runs-card__head">
          <h2 id="runs-graph-title">Graph</h2>
          <GraphLegend states={states} />
        </div>
        {graph.problem && (
          <p className="muted">
            The job's version {detail.run.version} cannot be read ({graph.problem}): the nodes below come from the run's records.
          </p>
        )}
        {graph.layout === null ? (
          <p role="status">Loading the job…</p>
        ) : graph.layout.boxes.length === 0 ? (
          <p className="muted">No node to show.</p>
        ) : (
          <RunGraph layout={graph.layout} statuses={statuses} selected={selected} onSelect={select} />
        )}
      </section>

      <section className="runs-card" aria-labelledby="runs-timeline-title">
        <h2 id="runs-timeline-title">Timeline</h2>
        <Timeline attempts={records} runStarted={detail.run.started_at} now={now} highlight={highlight} />
      </section>

      <div className={chosen ? "runs-columns" : undefined}>
        <section className="runs-card" aria-labelledby="runs-logs-title">
          <h2 id="runs-logs-title">Logs</h2>
          <NodeLogs
            lines={log.lines}
            state={log.state}
            error={log.error}
            dropped={log.dropped}
            choices={choices}
            filter={selected ?? null}
            onFilter={select}
          />
        </section>
        {chosen && (
          <NodeDetails
            nodeId={chosen.node?.id ?? chosen.key}
            kind={chosen.node?.kind ?? ""}
            attempts={chosenAttempts}
            now={now}
            onClose={() => setSelected(null)}
          />
        )}
      </div>

      <div className="runs-columns">
        <section className="runs-card" aria-labelledby="runs-inputs-title">
          <h2 id="runs-inputs-title">Inputs</h2>
          <Values values={detail.run.inputs} label="Run inputs" empty="No input." />
        </section>
        <section className="runs-card" aria-labelledby="runs-outputs-title">
          <h2 id="runs-outputs-title">Outputs</h2>
          <Outputs run={detail.run} />
        </section>
      </div>
    </div>
  );
}
