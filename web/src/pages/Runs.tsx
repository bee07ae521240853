import "../runs/runs.css";

import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";

import type { Page, Run } from "../api";
import { Problem } from "../components/Problem";
import { runsApi } from "../runs/api";
import { DurationChart } from "../runs/DurationChart";
import { NO_FILTERS, RunFilters, type Filters } from "../runs/RunFilters";
import { RUN_TERMINAL } from "../runs/states";
import { RunTable } from "./RunTable";

export const PAGE_SIZE = 25;
/** Milliseconds between refreshes while a listed run is still going. */
const REFRESH_MS = 5000;
const FIELDS = Object.keys(NO_FILTERS) as (keyof Filters)[];

/** Runs, filtered by job, state, user and time, a page at a time; the filters live in the
 * address (so a filtered list can be bookmarked). The API answers only the runs the user may see. */
export function Runs() {
  const [params, setParams] = useSearchParams();
  const address = params.toString();
  const filters = useMemo<Filters>(() => {
    const read = new URLSearchParams(address);
    return Object.fromEntries(FIELDS.map((field) => [field, read.get(field) ?? ""])) as unknown as Filters;
  }, [address]);
  const offset = Math.max(0, Number(new URLSearchParams(address).get("offset")) || 0);
  const [page, setPage] = useState<Page<Run> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    runsApi.list({ ...filters, limit: String(PAGE_SIZE), offset: String(offset) }).then(
      (found) => {
        if (stopped) return;
        setPage(found);
        setError(null);
      },
      (failure: unknown) => !stopped && setError(failure),
    );
    return () => {
      stopped = true;
    };
  }, [filters, offset, tick]);

  const going = (page?.items ?? []).some((run) => !RUN_TERMINAL.has(run.state));
  useEffect(() => {
    if (!going) return;
    const timer = setTimeout(() => setTick((value) => value + 1), REFRESH_MS);
    return () => clearTimeout(timer);
  }, [going, page]);

  const go = (next: Filters, at = 0) => {
    const query = new URLSearchParams();
    for (const field of FIELDS) if (next[field]) query.set(field, next[field]);
    if (at > 0) query.set("offset", String(at));
    setParams(query);
  };

  const total = page?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const current = Math.floor(offset / PAGE_SIZE) + 1;
  return (
    <>
      <h1>Runs</h1>
      <RunFilters applied={filters} onApply={(next) => go(next)} />
      <Problem error={error} />
      {filters.job && <DurationChart job={filters.job} />}
      {page === null ? (
        !error && <p role="status">Loading…</p>
      ) : (
        <>
          <p className="muted">
            {total} run{total === 1 ? "" : "s"}
          </p>
          <RunTable runs={page.items} caption="Runs matching the filters" />
          {total > PAGE_SIZE && (
            <nav className="runs-pager" aria-label="Pages">
              <button type="button" disabled={offset === 0} onClick={() => go(filters, Math.max(0, offset - PAGE_SIZE))}>
                Previous page
              </button>
              <span>
                Page {current} of {pages}
              </span>
              <button type="button" disabled={offset + PAGE_SIZE >= total} onClick={() => go(filters, offset + PAGE_SIZE)}>
                Next page
              </button>
            </nav>
          )}
        </>
      )}
    </>
  );
}
