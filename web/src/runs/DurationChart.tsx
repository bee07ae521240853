import { useEffect, useMemo, useState } from "react";
import { useNavigate } from "react-router-dom";
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import type { Run } from "../api";
import { Problem } from "../components/Problem";
import { runsApi } from "./api";
import { Swatch } from "./Swatch";
import { colourOf, formatDuration, RUN_STATES, seconds } from "./states";

/** How many of the job's latest runs the chart shows. */
export const CHART_RUNS = 50;

interface Point {
  id: number;
  label: string;
  seconds: number;
  state: string;
}

export interface JobRuns {
  runs: Run[];
  /** Runs per state, over all of the job's runs. */
  counts: Record<string, number>;
}

async function loadJobRuns(job: string): Promise<JobRuns> {
  const [latest, ...perState] = await Promise.all([
    runsApi.list({ job, limit: String(CHART_RUNS) }),
    ...RUN_STATES.map((state) => runsApi.list({ job, state, limit: "1" })),
  ]);
  const counts = Object.fromEntries(RUN_STATES.map((state, index) => [state, perState[index].total]));
  return { runs: latest.items, counts };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One job's latest run durations, coloured by outcome, and its runs counted per outcome. */
export function DurationChart({ job }: { job: string }) {
  const navigate = useNavigate();
  const [data, setData] = useState<JobRuns | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let stopped = false;
    setData(null);
    setError(null);
    loadJobRuns(job).then(
      (found) => !stopped && setData(found),
      (failure: unknown) => !stopped && setError(failure),
    );
    return () => {
      stopped = true;
    };
  }, [job]);

  const points = useMemo<Point[]>(() => {
    const now = Date.now();
    return (data?.runs ?? [])
      .filter((run) => run.started_at)
      .map((run) => ({
        id: run.id,
        label: `#${run.id}`,
        seconds: seconds(run.started_at, run.finished_at, now) ?? 0,
        state: run.state,
      }))
      .reverse();
  }, [data]);

  const typical = median(points.map((point) => point.seconds));
  const longest = points.length ? Math.max(...points.map((point) => point.seconds)) : null;
  return (
    <section className="runs-card runs-chart" aria-labelledby="runs-chart-title">
      <h2 id="runs-chart-title">Durations and outcomes of job {job}</h2>
      <Problem error={error} />
      {data === null ? (
        !error && <p role="status">Loading the job's history…</p>
      ) : (
        <>
          <ul className="runs-outcomes" aria-label="Outcomes">
            {RUN_STATES.filter((state) => data.counts[state] > 0).map((state) => (
              <li key={state}>
                <Swatch state={state} />
                {state} {data.counts[state]}
              </li>
            ))}
          </ul>
          {points.length === 0 ? (
            <p className="muted">No run of this job has started yet.</p>
          ) : (
            <figure>
              <div
                className="runs-chart__plot"
                role="img"
                aria-label={`Durations of the latest ${points.length} started, by run number`}
              >
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="label" tick={{ fontSize: 11 }} />
                    <YAxis tickFormatter={(value: number) => formatDuration(value)} tick={{ fontSize: 11 }} width={64} />
                    <Tooltip
                      formatter={(value) => formatDuration(Number(value))}
                      labelFormatter={(label, payload) => `Run ${String(label).slice(1)}: ${payload?.[0]?.payload?.state ?? ""}`}
                    />
                    <Bar
                      dataKey="seconds"
                      name="Duration"
                      cursor="pointer"
                      maxBarSize={40}
                      isAnimationActive={false}
                      onClick={(entry) => {
                        const id = (entry as { payload?: Point }).payload?.id;
                        if (id) navigate(`/runs/${id}`);
                      }}
                    >
                      {points.map((point) => (
                        <Cell key={point.id} fill={colourOf(point.state).border} />
                      ))}
                    </Bar>
                  </BarChart>
                </ResponsiveContainer>
              </div>
              <figcaption>
                The latest {points.length} started; typical (median) {formatDuration(typical)}, longest{" "}
                {formatDuration(longest)}. Bars are coloured by outcome; choose one to open its run.
              </figcaption>
            </figure>
          )}
        </>
      )}
    </section>
  );
}
