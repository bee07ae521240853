// Figures of the operator console, written for people.

/** Seconds as "45 s", "12 min 05 s", "3 h 07 min", "2 d 4 h"; "—" when unknown. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  const whole = Math.max(0, Math.floor(seconds));
  const pad = (value: number) => String(value).padStart(2, "0");
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${pad(whole % 60)} s`;
  if (whole < 86400) {
    return `${Math.floor(whole / 3600)} h ${pad(Math.floor((whole % 3600) / 60))} min`;
  }
  return `${Math.floor(whole / 86400)} d ${Math.floor((whole % 86400) / 3600)} h`;
}

/** Seconds with a unit that fits: "850 ms", "2.4 s". */
export function seconds(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(1)} s`;
}

/** A clock time, to the second, in the browser's time zone. */
export function clock(date: Date | number | string): string {
  return new Date(date).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** Counts by state, "2 RUNNING, 1 STARTING"; "none" when empty. */
export function byState(states: Record<string, number | undefined>): string {
  const parts = Object.entries(states)
    .filter(([, count]) => count)
    .map(([state, count]) => `${count} ${state}`);
  return parts.length ? parts.join(", ") : "none";
}
