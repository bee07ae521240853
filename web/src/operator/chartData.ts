// The chart's data: the history's samples as points of one service, or of all of them summed.

import type { DispatcherHistory } from "./types";

/** Every service of the history, or this one. */
export const TOTAL = "";

export interface ChartPoint {
  /** Milliseconds since the epoch (the X axis). */
  time: number;
  /** Requests per second since the previous sample; null when unknown or no pool then. */
  rate: number | null;
  /** Requests waiting at the sample; null when the service had no pool then. */
  queue: number | null;
}

export interface ChartSummary {
  latestRate: number | null;
  peakRate: number | null;
  peakQueue: number | null;
}

/** The services that appear in any sample, by name. */
export function servicesOf(history: DispatcherHistory): string[] {
  const names = new Set<string>();
  for (const sample of history.samples) {
    for (const point of sample.services) names.add(point.service);
  }
  return [...names].sort();
}

/**
 * One point per sample for `service` (TOTAL: every service summed). A service absent from a
 * sample had no pool then: a gap. The total of the first sample kept has no rate (nothing to
 * compare it with); later, services without a rate count as none.
 */
export function chartPoints(history: DispatcherHistory, service: string): ChartPoint[] {
  return history.samples.map((sample, index) => {
    const time = Date.parse(sample.at);
    if (service === TOTAL) {
      const rate =
        index === 0
          ? null
          : sample.services.reduce((sum, point) => sum + (point.requests_per_second ?? 0), 0);
      const queue = sample.services.reduce((sum, point) => sum + point.queue, 0);
      return { time, rate, queue };
    }
    const point = sample.services.find((candidate) => candidate.service === service);
    if (point === undefined) return { time, rate: null, queue: null };
    return { time, rate: point.requests_per_second, queue: point.queue };
  });
}

/** The latest and the highest figures of `points` (null when none is known). */
export function summarise(points: ChartPoint[]): ChartSummary {
  const rates = points.map((point) => point.rate).filter((rate): rate is number => rate !== null);
  const queues = points
    .map((point) => point.queue)
    .filter((queue): queue is number => queue !== null);
  const last = points.length ? points[points.length - 1].rate : null;
  return {
    latestRate: last,
    peakRate: rates.length ? Math.max(...rates) : null,
    peakQueue: queues.length ? Math.max(...queues) : null,
  };
}

/** A rate for people: "0.25/s", "12/s". */
export function formatRate(rate: number | null): string {
  if (rate === null) return "—";
  return `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)}/s`;
}
