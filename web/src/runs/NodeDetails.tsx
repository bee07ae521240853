import { Link } from "react-router-dom";

import type { NodeRun } from "./api";
import { formatDuration, formatMoment, seconds } from "./states";
import { Values } from "./Values";

interface Props {
  nodeId: string;
  kind: string;
  /** Every attempt of the node's instances, oldest first. */
  attempts: NodeRun[];
  now: number;
  onClose: () => void;
}

/** The selected node: each attempt's state, times, error and outputs. */
export function NodeDetails({ nodeId, kind, attempts, now, onClose }: Props) {
  return (
    <section className="runs-card runs-details" aria-labelledby="runs-details-title">
      <div className="runs-card__head">
        <h2 id="runs-details-title">
          Node {nodeId} {kind && <span className="muted">({kind})</span>}
        </h2>
        <button type="button" onClick={onClose}>
          Close
          <span className="visually-hidden"> the node's details</span>
        </button>
      </div>
      {attempts.length === 0 ? (
        <p className="muted">It has not run (yet).</p>
      ) : (
        attempts.map((run) => (
          <article key={`${run.node}#${run.attempt}`} className="runs-attempt" aria-label={`${run.node}, attempt ${run.attempt}`}>
            <h3>
              {run.node} <span className="muted">attempt {run.attempt}</span>{" "}
              <span className={`state state-${run.state.toLowerCase()}`}>{run.state}</span>
            </h3>
            <p className="muted">
              Started {formatMoment(run.started_at)} · finished {formatMoment(run.finished_at)} · took{" "}
              {formatDuration(seconds(run.started_at, run.finished_at, now))}
            </p>
            {run.error && <p className="runs-error">{run.error}</p>}
            {kind === "job" && typeof run.outputs.run === "number" && (
              <p>
                <Link to={`/runs/${run.outputs.run}`}>Open its child run {run.outputs.run}</Link>
              </p>
            )}
            <Values values={run.outputs} label={`Outputs of ${run.node}, attempt ${run.attempt}`} empty="No output." />
          </article>
        ))
      )}
    </section>
  );
}
