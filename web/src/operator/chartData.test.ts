import { describe, expect, it } from "vitest";

import { TOTAL, chartPoints, formatRate, servicesOf, summarise } from "./chartData";
import type { DispatcherHistory } from "./types";

const at = (second: number) => `2025-01-01T12:00:${String(second).padStart(2, "0")}Z`;

const HISTORY: DispatcherHistory = {
  interval: 10,
  keep: 360,
  samples: [
    { at: at(0), services: [{ service: "rt", requests: 4, requests_per_second: null, queue: 1 }] },
    {
      at: at(10),
      services: [
        { service: "default", requests: 5, requests_per_second: 0.5, queue: 3 },
        { service: "rt", requests: 6, requests_per_second: 0.2, queue: 0 },
      ],
    },
    { at: at(20), services: [] },
  ],
};

describe("the chart's data", () => {
  it("names every service of any sample, once, in order", () => {
    expect(servicesOf(HISTORY)).toEqual(["default", "rt"]);
  });

  it("sums the services for the total; the first sample has no rate", () => {
    expect(chartPoints(HISTORY, TOTAL)).toEqual([
      { time: Date.parse(at(0)), rate: null, queue: 1 },
      { time: Date.parse(at(10)), rate: 0.7, queue: 3 },
      { time: Date.parse(at(20)), rate: 0, queue: 0 },
    ]);
  });

  it("leaves a gap where a service had no pool", () => {
    expect(chartPoints(HISTORY, "default")).toEqual([
      { time: Date.parse(at(0)), rate: null, queue: null },
      { time: Date.parse(at(10)), rate: 0.5, queue: 3 },
      { time: Date.parse(at(20)), rate: null, queue: null },
    ]);
  });

  it("summarises the latest and highest figures", () => {
    expect(summarise(chartPoints(HISTORY, TOTAL))).toEqual({
      latestRate: 0,
      peakRate: 0.7,
      peakQueue: 3,
    });
    expect(summarise([])).toEqual({ latestRate: null, peakRate: null, peakQueue: null });
    expect([formatRate(null), formatRate(0.25), formatRate(12.4)]).toEqual(["—", "0.25/s", "12/s"]);
  });
});
