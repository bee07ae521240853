import type { NodeRun } from "./api";
import { colourOf, formatDuration, NODE_TERMINAL } from "./states";

/** The most rows drawn: a foreach over thousands of items would bury the page. */
export const MAX_ROWS = 300;

/** One bar of the chart: an attempt placed on the run's time axis (fractions of the span). */
export interface Bar {
  run: NodeRun;
  start: number;
  width: number;
  seconds: number;
  going: boolean;
}

export interface Axis {
  origin: number;
  span: number;
  bars: Bar[];
}

/** Place the attempts that started on one time axis; a running one ends `now`. */
export function placeBars(attempts: NodeRun[], runStarted: string | null, now: number): Axis {
  const started = attempts.filter((run) => run.started_at);
  const starts = started.map((run) => Date.parse(run.started_at as string));
  const origin = Math.min(runStarted ? Date.parse(runStarted) : Infinity, ...starts);
  const ends = started.map((run) => {
    if (run.finished_at) return Date.parse(run.finished_at);
    return NODE_TERMINAL.has(run.state) ? Date.parse(run.started_at as string) : now;
  });
  const end = Math.max(origin + 100, ...ends);
  const span = end - origin;
  const bars = started
    .map((run, index) => ({
      run,
      start: (starts[index] - origin) / span,
      width: (ends[index] - starts[index]) / span,
      seconds: (ends[index] - starts[index]) / 1000,
      going: !run.finished_at && !NODE_TERMINAL.has(run.state),
    }))
    .sort((a, b) => a.start - b.start || a.run.node.localeCompare(b.run.node) || a.run.attempt - b.run.attempt);
  return { origin, span, bars };
}

/** The narrowest bar drawn (a fraction of the axis): an instant stays visible. */
const MIN_WIDTH = 0.004;

function percent(fraction: number): string {
  return `${Math.round(fraction * 100000) / 1000}%`;
}

/** Round tick marks (1, 2 or 5 times a power of ten, in ms) over a span: [fraction, seconds]. */
export function ticks(span: number): [number, number][] {
  const rough = span / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((value) => value >= rough) ?? rough;
  const marks: [number, number][] = [];
  for (let at = 0; at <= span + 1e-9; at += step) marks.push([at / span, at / 1000]);
  return marks;
}

interface Props {
  attempts: NodeRun[];
  runStarted: string | null;
  now: number;
  /** Paths of the selected graph node's instances, highlighted. */
  highlight?: (path: string) => boolean;
}

/** A Gantt chart of the node attempts: a row per attempt, its bar from start to finish. */
export function Timeline({ attempts, runStarted, now, highlight }: Props) {
  const { span, bars } = placeBars(attempts, runStarted, now);
  const waiting = attempts.length - bars.length;
  const hidden = Math.max(0, bars.length - MAX_ROWS);
  if (bars.length === 0) {
    return <p className="muted">No node has started yet.</p>;
  }
  return (
    <div className="runs-gantt-frame">
      <table className="runs-gantt">
        <caption className="visually-hidden">Node attempts over time</caption>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Duration</th>
            <th scope="col" className="runs-gantt__axis">
              <span className="visually-hidden">Time since the run started</span>
              <span className="runs-gantt__ticks" aria-hidden="true">
                {ticks(span).map(([fraction, value], index) => (
                  <span key={index} style={{ left: percent(fraction) }}>
                    {index === 0 ? "0" : `+${formatDuration(value)}`}
                  </span>
                ))}
              </span>
            </th>
          </tr>
        </thead>
        <tbody>
          {bars.slice(0, MAX_ROWS).map((bar) => {
            const colour = colourOf(bar.run.state);
            const name = bar.run.attempt > 1 ? `${bar.run.node} (attempt ${bar.run.attempt})` : bar.run.node;
            const marked = highlight?.(bar.run.node) ?? false;
            return (
              <tr key={`${bar.run.node}#${bar.run.attempt}`} className={marked ? "runs-gantt__row--marked" : undefined}>
                <th scope="row">{name}</th>
                <td className={`state state-${bar.run.state.toLowerCase()}`}>{bar.run.state}</td>
                <td>
                  {formatDuration(bar.seconds)}
                  {bar.going && <span className="visually-hidden"> so far</span>}
                </td>
                <td className="runs-gantt__lane">
                  <div className="runs-gantt__track">
                    <div
                      className={`runs-gantt__bar${bar.going ? " runs-gantt__bar--going" : ""}`}
                      data-testid="gantt-bar"
                      title={`${name}: ${bar.run.state}, ${formatDuration(bar.seconds)}`}
                      style={{
                        left: percent(Math.min(bar.start, 1 - Math.max(bar.width, MIN_WIDTH))),
                        width: percent(Math.max(bar.width, MIN_WIDTH)),
                        background: colour.border,
                      }}
                    />
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {hidden > 0 && <p className="muted">{hidden} later attempts are not drawn.</p>}
      {waiting > 0 && (
        <p className="muted">
          {waiting} more attempt{waiting === 1 ? "" : "s"} recorded without a start (skipped or pending).
        </p>
      )}
    </div>
  );
}
