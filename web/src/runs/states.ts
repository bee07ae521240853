// Run and node states (src/baton/jobs/states.py), their colours, and how times read.

export const RUN_STATES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "CRASHED"];

/** Runs that will not change any more: polling stops. (CRASHED is resumed or given up.) */
export const RUN_TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** Runs that may still be cancelled. */
export const RUN_CANCELLABLE = new Set(["QUEUED", "RUNNING"]);

/** Node states that are over (a node in any other one is still going). */
export const NODE_TERMINAL = new Set(["SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED"]);

/** Colours per state: fill, border and text; readable on white (contrast >= 4.5). */
export const STATE_COLOURS: Record<string, { fill: string; border: string; text: string }> = {
  PENDING: { fill: "#f1f3f6", border: "#8a93a6", text: "#3d4556" },
  QUEUED: { fill: "#eef2fb", border: "#7c8db5", text: "#34436b" },
  RUNNING: { fill: "#e3efff", border: "#1f6fd1", text: "#0b4c99" },
  WAITING: { fill: "#f3ecff", border: "#7a4fd1", text: "#54309c" },
  RETRYING: { fill: "#fff4e0", border: "#c77700", text: "#7a4700" },
  SUCCEEDED: { fill: "#e5f6ea", border: "#1f8a44", text: "#146c2e" },
  FAILED: { fill: "#fde8ea", border: "#c62637", text: "#a8071a" },
  CRASHED: { fill: "#fde8ea", border: "#7d0a16", text: "#7d0a16" },
  CANCELLED: { fill: "#f4f0e8", border: "#8c6d3f", text: "#6b5230" },
  SKIPPED: { fill: "#f7f7f7", border: "#b3b8c2", text: "#5c6475" },
};

export function colourOf(state: string) {
  return STATE_COLOURS[state] ?? STATE_COLOURS.PENDING;
}

/** Seconds between two moments (to `now` when the second is missing). */
export function seconds(from: string | null, to: string | null, now: number = Date.now()): number | null {
  if (!from) return null;
  const end = to ? Date.parse(to) : now;
  return Math.max(0, (end - Date.parse(from)) / 1000);
}

/** A duration in words a person reads at a glance: 850 ms, 4.2 s, 3 min 05 s, 2 h 07 min. */
export function formatDuration(value: number | null): string {
  if (value === null) return "—";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 60) return `${value.toFixed(1)} s`;
  const minutes = Math.floor(value / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(value % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export function formatMoment(moment: string | null): string {
  return moment ? new Date(moment).toLocaleString() : "—";
}

export function formatClock(moment: string): string {
  return new Date(moment).toLocaleTimeString(undefined, { hour12: false });
}
