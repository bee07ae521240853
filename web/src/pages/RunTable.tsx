import type { Run } from "../api";

function when(moment: string | null): string {
  return moment ? new Date(moment).toLocaleString() : "—";
}

/** Runs as a table (newest first, as the API lists them). */
export function RunTable({ runs }: { runs: Run[] }) {
  if (runs.length === 0) return <p>No run yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">Runs</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Job</th>
          <th scope="col">State</th>
          <th scope="col">Started by</th>
          <th scope="col">Created</th>
          <th scope="col">Finished</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>{run.id}</td>
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
            <td>{when(run.finished_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
