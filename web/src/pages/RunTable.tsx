import { Link } from "react-router-dom";

import type { Run } from "../api";
import { formatDuration, seconds } from "../runs/states";

function when(moment: string | null): string {
  return moment ? new Date(moment).toLocaleString() : "—";
}

function duration(run: Run): string {
  if (!run.started_at) return "—";
  const value = formatDuration(seconds(run.started_at, run.finished_at));
  return run.finished_at ? value : `${value} so far`;
}

/** Runs as a table (newest first, as the API lists them); each links to its run page. */
export function RunTable({ runs, caption = "Runs" }: { runs: Run[]; caption?: string }) {
  if (runs.length === 0) return <p>No run yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Job</th>
          <th scope="col">State</th>
          <th scope="col">Started by</th>
          <th scope="col">Created</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <Link to={`/runs/${run.id}`} aria-label={`Run ${run.id}`}>
                #{run.id}
              </Link>
            </td>
            <td>
              {run.job} <span className="muted">v{run.version}</span>
            </td>
            <td>
              <span className={`state state-${run.state.toLowerCase()}`}>{run.state}</span>
              {run.position !== null && <span className="muted"> (#{run.position} in queue)</span>}
              {run.error && <div className="muted">{run.error}</div>}
            </td>
            <td>{run.created_by}</td>
            <td>{when(run.created_at)}</td>
            <td>{duration(run)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
