import { useId, useState } from "react";
import {
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import {
  TOTAL,
  chartPoints,
  formatRate,
  servicesOf,
  summarise,
  type ChartPoint,
} from "./chartData";
import { clock, duration } from "./format";
import { LoadedView } from "./LoadedView";
import type { DispatcherHistory } from "./types";
import type { Loaded } from "./useOperatorData";

const minutes = (time: number) =>
  new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** The chart in words: its latest and highest figures, or why it is still empty. */
function caption(scope: string, points: ChartPoint[], interval: number): string {
  const every = duration(interval);
  if (points.length < 2) {
    return `Collecting: one sample every ${every}; the chart fills in as they come.`;
  }
  const { latestRate, peakRate, peakQueue } = summarise(points);
  const since = clock(points[0].time);
  return (
    `${scope}: now ${formatRate(latestRate)}, peak ${formatRate(peakRate)}, ` +
    `longest queue ${peakQueue ?? "—"} (${points.length} samples, one every ${every}, since ${since}).`
  );
}

/** Requests per second and queue length over the last hour, per service or in total. */
export function HistoryChart({ history }: { history: Loaded<DispatcherHistory> }) {
  const [service, setService] = useState(TOTAL);
  const selectId = useId();
  const captionId = useId();
  const value = history.value;
  const services = value ? servicesOf(value) : [];
  const chosen = service === TOTAL || services.includes(service) ? service : TOTAL;
  const points = value ? chartPoints(value, chosen) : [];
  const scope = chosen === TOTAL ? "all services" : `service ${chosen}`;
  // Few samples yet: dots, or a single known figure would draw nothing.
  const dot = points.length <= 60 ? { r: 3 } : false;

  return (
    <section aria-labelledby="operator-history-title">
      <div className="operator-heading">
        <h2 id="operator-history-title">Requests and queue, last hour</h2>
        <label htmlFor={selectId} className="operator-inline-label">
          Service
          <select id={selectId} value={chosen} onChange={(event) => setService(event.target.value)}>
            <option value={TOTAL}>All services (total)</option>
            {services.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LoadedView loaded={history} loading="Loading the history…">
        {(loaded) => (
          <figure className="operator-chart" aria-labelledby={captionId}>
            <figcaption id={captionId}>{caption(scope, points, loaded.interval)}</figcaption>
            <ComposedChart
              responsive
              style={{ width: "100%", height: 280 }}
              data={points}
              margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
            >
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                dataKey="time"
                type="number"
                scale="time"
                domain={["dataMin", "dataMax"]}
                tickFormatter={minutes}
              />
              <YAxis yAxisId="rate" allowDecimals />
              <YAxis yAxisId="queue" orientation="right" allowDecimals={false} />
              <Tooltip labelFormatter={(time) => clock(Number(time))} />
              <Legend />
              <Line
                yAxisId="rate"
                dataKey="rate"
                name="Requests per second (left axis)"
                stroke="#0b5cad"
                strokeWidth={2}
                dot={dot}
                isAnimationActive={false}
              />
              <Line
                yAxisId="queue"
                dataKey="queue"
                name="Queue length (right axis)"
                type="stepAfter"
                stroke="#c2410c"
                strokeWidth={2}
                dot={dot}
                isAnimationActive={false}
              />
            </ComposedChart>
          </figure>
        )}
      </LoadedView>
    </section>
  );
}
