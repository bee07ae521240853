import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";

import type { LogLine } from "./api";
import { formatClock } from "./states";
import type { LogState } from "./useRunLog";

/** The filter value of the run's own lines (node ''); node ids never start with '@'. */
export const RUN_ITSELF = "@run";

export interface NodeChoice {
  /** The graph node's key (template path). */
  key: string;
  label: string;
  /** Whether a line's node path belongs to this choice. */
  matches: (path: string) => boolean;
}

const STATE_WORDS: Record<LogState, string> = {
  connecting: "Connecting to the log…",
  live: "Following the log live.",
  ended: "The run has ended: this is the whole log.",
  failed: "The log cannot be followed.",
};

interface Props {
  lines: LogLine[];
  state: LogState;
  error: string;
  dropped: number;
  choices: NodeChoice[];
  /** The chosen node's key, RUN_ITSELF, or null for every line. */
  filter: string | null;
  onFilter: (key: string | null) => void;
}

/** The run's log, filterable per node; it keeps the newest line in view until the user scrolls up. */
export function NodeLogs({ lines, state, error, dropped, choices, filter, onFilter }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);

  const shown = useMemo(() => {
    if (filter === null) return lines;
    if (filter === RUN_ITSELF) return lines.filter((line) => line.node === "");
    const choice = choices.find((item) => item.key === filter);
    return choice ? lines.filter((line) => choice.matches(line.node)) : lines;
  }, [lines, filter, choices]);

  useLayoutEffect(() => {
    if (following && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, following]);

  useEffect(() => setFollowing(true), [filter]);

  const scrolled = () => {
    const element = box.current;
    if (!element) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    if (atBottom !== following) setFollowing(atBottom);
  };

  return (
    <div className="runs-logs">
      <div className="runs-logs__bar">
        <span className="runs-inline-label">
          <label htmlFor="runs-log-node">Node</label>
          <select id="runs-log-node" value={filter ?? ""} onChange={(event) => onFilter(event.target.value || null)}>
            <option value="">All nodes</option>
            <option value={RUN_ITSELF}>The run itself</option>
            {choices.map((choice) => (
              <option key={choice.key} value={choice.key}>
                {choice.label}
              </option>
            ))}
          </select>
        </span>
        <span role="status" className="muted">
          {STATE_WORDS[state]} {shown.length} line{shown.length === 1 ? "" : "s"}
          {filter !== null ? ` of ${lines.length}` : ""}.
        </span>
        {!following && (
          <button type="button" onClick={() => setFollowing(true)}>
            Jump to the latest line
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {dropped > 0 && <p className="muted">The first {dropped} lines are not shown here.</p>}
      <div
        ref={box}
        className="runs-logs__lines"
        role="log"
        aria-label="Run log"
        aria-live="off"
        tabIndex={0}
        onScroll={scrolled}
      >
        {shown.length === 0 ? (
          <p className="muted">{state === "ended" ? "No line." : "No line yet."}</p>
        ) : (
          <ol>
            {shown.map((line) => (
              <li key={line.id} data-node={line.node}>
                <time dateTime={line.at}>{formatClock(line.at)}</time>
                <span className="runs-logs__node">{line.node || "run"}</span>
                <span className="runs-logs__text">{line.line}</span>
              </li>
            ))}
          </ol>
        )}
      </div>
    </div>
  );
}
