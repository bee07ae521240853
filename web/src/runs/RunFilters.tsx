import { useEffect, useState, type FormEvent } from "react";

import { runsApi } from "./api";
import { RUN_STATES } from "./states";

export interface Filters {
  job: string;
  state: string;
  user: string;
  /** ISO 8601 moments (UTC), '' when open. */
  since: string;
  until: string;
}

export const NO_FILTERS: Filters = { job: "", state: "", user: "", since: "", until: "" };

/** An ISO moment as a datetime-local field's value (local time, to the minute). */
export function toLocalInput(moment: string): string {
  if (!moment) return "";
  const date = new Date(moment);
  if (Number.isNaN(date.getTime())) return "";
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

/** A datetime-local field's value (local time) as an ISO moment. */
export function fromLocalInput(value: string): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

const PERIODS: [string, number][] = [
  ["Last hour", 3600],
  ["Last 24 hours", 86400],
  ["Last 7 days", 7 * 86400],
];

interface Props {
  applied: Filters;
  onApply: (filters: Filters) => void;
}

/** The run list's filters: job, state, who started it, when it was created. */
export function RunFilters({ applied, onApply }: Props) {
  const [draft, setDraft] = useState<Filters>(applied);
  const [jobs, setJobs] = useState<string[]>([]);

  useEffect(() => setDraft(applied), [applied]);
  useEffect(() => {
    let stopped = false;
    // Suggestions only: without them the field still takes any name.
    runsApi.jobs().then(
      (page) => !stopped && setJobs(page.items.map((job) => job.name)),
      () => undefined,
    );
    return () => {
      stopped = true;
    };
  }, []);

  const set = (field: keyof Filters) => (value: string) => setDraft((before) => ({ ...before, [field]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...draft, job: draft.job.trim(), user: draft.user.trim() });
  };
  const period = (span: number) => {
    const next = { ...draft, since: new Date(Date.now() - span * 1000).toISOString(), until: "" };
    setDraft(next);
    onApply(next);
  };

  return (
    <form className="filters runs-filters" onSubmit={submit} aria-label="Filter runs">
      <label>
        Job
        <input name="job" list="runs-job-names" value={draft.job} onChange={(event) => set("job")(event.target.value)} />
        <datalist id="runs-job-names">
          {jobs.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </label>
      <label>
        State
        <select name="state" value={draft.state} onChange={(event) => set("state")(event.target.value)}>
          <option value="">any</option>
          {RUN_STATES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Started by
        <input name="user" value={draft.user} onChange={(event) => set("user")(event.target.value)} />
      </label>
      <label>
        Created from
        <input
          type="datetime-local"
          name="since"
          value={toLocalInput(draft.since)}
          onChange={(event) => set("since")(fromLocalInput(event.target.value))}
        />
      </label>
      <label>
        Created before
        <input
          type="datetime-local"
          name="until"
          value={toLocalInput(draft.until)}
          onChange={(event) => set("until")(fromLocalInput(event.target.value))}
        />
      </label>
      <div className="runs-filters__actions">
        <button type="submit">Filter</button>
        <button type="button" onClick={() => onApply(NO_FILTERS)}>
          Reset
        </button>
        <span className="runs-periods" role="group" aria-label="Quick time ranges">
          {PERIODS.map(([label, span]) => (
            <button key={label} type="button" onClick={() => period(span)}>
              {label}
            </button>
          ))}
        </span>
      </div>
    </form>
  );
}
