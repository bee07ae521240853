import { useEffect, useState } from "react";
import { Link } from "react-router-dom";

import type { Me } from "../api";
import { Problem } from "../components/Problem";
import { designApi } from "./designApi";
import "./designer.css";
import type { JobRecord } from "./types";

/** The jobs the user may read: name, latest version, owner, lock; a new job for designers. */
export function Jobs({ me }: { me: Me }) {
  const [jobs, setJobs] = useState<JobRecord[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [filter, setFilter] = useState("");
  const canDesign = me.capabilities.includes("design_jobs") || me.capabilities.includes("administer");

  useEffect(() => {
    designApi.jobs().then(
      (page) => {
        setJobs(page.items);
        setTotal(page.total);
      },
      (failure: unknown) => setError(failure),
    );
  }, []);

  const wanted = filter.trim().toLowerCase();
  const shown = (jobs ?? []).filter(
    (job) => !wanted || `${job.name} ${job.description}`.toLowerCase().includes(wanted),
  );
  return (
    <div className="designer-jobs">
      <div className="designer-jobs__head">
        <h1>Jobs</h1>
        {canDesign && (
          <Link to="/jobs/new" className="designer-button designer-primary">
            New job
          </Link>
        )}
      </div>
      <Problem error={error} />
      {jobs === null && !error && <p role="status">Loading jobs…</p>}
      {jobs !== null && (
        <>
          <label className="designer-field designer-jobs__filter">
            <span>Find a job</span>
            <input type="search" value={filter} onChange={(event) => setFilter(event.target.value)} />
          </label>
          <p className="muted" role="status">
            {shown.length === jobs.length
              ? `${total} ${total === 1 ? "job" : "jobs"}`
              : `${shown.length} of ${total} jobs`}
          </p>
          {jobs.length === 0 ? (
            <p>{canDesign ? "No job yet: create one with New job." : "No job you may read."}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Version</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Last saved</th>
                  <th scope="col">Locked by</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((job) => (
                  <tr key={job.name}>
                    <td>
                      <Link to={`/jobs/${encodeURIComponent(job.name)}`}>{job.name}</Link>
                      {job.description && <div className="muted">{job.description}</div>}
                    </td>
                    <td>{job.latest_version}</td>
                    <td>{job.owner ?? <span className="muted">deleted user</span>}</td>
                    <td>{new Date(job.updated_at).toLocaleString()}</td>
                    <td>{job.locked_by ?? <span className="muted">nobody</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
