import { Link } from "react-router-dom";

import type { RunRecord } from "./api";
import { colourOf, formatDuration, formatMoment, seconds } from "./states";

/** Who ran which job version when, and how it is going. */
export function RunHeader({ run, now }: { run: RunRecord; now: number }) {
  const colour = colourOf(run.state);
  return (
    <div className="runs-header">
      <div className="runs-header__title">
        <h1>
          Run {run.id} <span className="muted">of</span> <Link to={`/jobs/${encodeURIComponent(run.job)}`}>{run.job}</Link>{" "}
          <span className="muted">version {run.version}</span>
        </h1>
        <span
          className="runs-badge"
          aria-label="Run state"
          role="status"
          style={{ background: colour.fill, borderColor: colour.border, color: colour.text }}
        >
          {run.state}
        </span>
      </div>
      <dl className="runs-facts">
        <div>
          <dt>Started by</dt>
          <dd>{run.created_by || "—"}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatMoment(run.created_at)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatMoment(run.started_at)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{formatMoment(run.finished_at)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(seconds(run.started_at, run.finished_at, now))}</dd>
        </div>
        {run.position !== null && (
          <div>
            <dt>Place in the queue</dt>
            <dd>{run.position}</dd>
          </div>
        )}
        {run.parent_run_id !== null && (
          <div>
            <dt>Started by run</dt>
            <dd>
              <Link to={`/runs/${run.parent_run_id}`}>{run.parent_run_id}</Link>
            </dd>
          </div>
        )}
        {run.resumes > 0 && (
          <div>
            <dt>Resumed</dt>
            <dd>
              {run.resumes} time{run.resumes === 1 ? "" : "s"} after its runner crashed
            </dd>
          </div>
        )}
      </dl>
      {run.error && (
        <p className="runs-error">
          <strong>Error:</strong> {run.error}
        </p>
      )}
    </div>
  );
}
