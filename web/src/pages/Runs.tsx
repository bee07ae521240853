import { useEffect, useState, type FormEvent } from "react";

import { api, type Run } from "../api";
import { RunTable } from "./RunTable";

const STATES = ["", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "CRASHED"];

/** Runs, filtered by job and state (the API answers only the runs the user may see). */
export function Runs() {
  const [job, setJob] = useState("");
  const [state, setState] = useState("");
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState("");

  const load = async (filters: { job: string; state: string }) => {
    try {
      const page = await api.runs({ ...filters, limit: "50" });
      setRuns(page.items);
      setTotal(page.total);
      setError("");
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  useEffect(() => {
    void load({ job: "", state: "" });
  }, []);

  const filter = (event: FormEvent) => {
    event.preventDefault();
    void load({ job, state });
  };

  return (
    <>
      <h1>Runs</h1>
      <form className="filters" onSubmit={filter} aria-label="Filter runs">
        <label>
          Job
          <input name="job" value={job} onChange={(event) => setJob(event.target.value)} />
        </label>
        <label>
          State
          <select name="state" value={state} onChange={(event) => setState(event.target.value)}>
            {STATES.map((name) => (
              <option key={name} value={name}>
                {name || "any"}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {runs === null ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <p className="muted">
            {total} run{total === 1 ? "" : "s"}
          </p>
          <RunTable runs={runs} />
        </>
      )}
    </>
  );
}
