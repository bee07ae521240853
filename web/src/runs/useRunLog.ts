import { useEffect, useRef, useState } from "react";

import { describe } from "../components/Problem";
import { logStreamUrl, runsApi, type LogLine } from "./api";

/** The most lines kept in the page; older ones are dropped (the API keeps them all). */
export const MAX_LINES = 20000;

export type LogState = "connecting" | "live" | "ended" | "failed";

export interface RunLog {
  lines: LogLine[];
  state: LogState;
  dropped: number;
  error: string;
}

/**
 * Follow a run's log as server-sent events (the session cookie goes with them: same origin).
 * The browser reconnects a dropped stream by itself, resuming after the last line it saw
 * (Last-Event-ID); the stream ends with an `end` event, after which it is closed for good.
 */
export function useRunLog(runId: number, onEnd?: (state: string) => void): RunLog {
  const [log, setLog] = useState<RunLog>({ lines: [], state: "connecting", dropped: 0, error: "" });
  const ended = useRef(onEnd);
  useEffect(() => {
    ended.current = onEnd;
  }, [onEnd]);

  useEffect(() => {
    let closed = false;
    const source = new EventSource(logStreamUrl(runId), { withCredentials: true });
    let pending: LogLine[] = [];
    let flush: ReturnType<typeof setTimeout> | undefined;

    // Lines come in bursts: add them to the page at most every 100 ms.
    const add = () => {
      flush = undefined;
      const fresh = pending;
      pending = [];
      setLog((before) => {
        const last = before.lines.length ? before.lines[before.lines.length - 1].id : 0;
        const lines = before.lines.concat(fresh.filter((line) => line.id > last));
        const over = Math.max(0, lines.length - MAX_LINES);
        return {
          ...before,
          state: before.state === "ended" ? "ended" : "live",
          lines: over ? lines.slice(over) : lines,
          dropped: before.dropped + over,
        };
      });
    };

    source.onopen = () => setLog((before) => (before.state === "connecting" ? { ...before, state: "live" } : before));
    source.addEventListener("log", (event) => {
      try {
        pending.push(JSON.parse((event as MessageEvent<string>).data) as LogLine);
      } catch {
        return; // not a line: ignore it rather than break the stream
      }
      flush ??= setTimeout(add, 100);
    });
    source.addEventListener("end", (event) => {
      source.close();
      if (flush !== undefined) clearTimeout(flush);
      add();
      setLog((before) => ({ ...before, state: "ended" }));
      let state = "";
      try {
        state = (JSON.parse((event as MessageEvent<string>).data) as { state?: string }).state ?? "";
      } catch {
        // no state: the page asks the API for it
      }
      ended.current?.(state);
    });
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        setLog((before) => ({ ...before, state: "connecting" }));
        return; // the browser tries again by itself
      }
      // Refused (not a stream): ask the same address as JSON to say why, in words.
      const fail = (error: string) => !closed && setLog((before) => ({ ...before, state: "failed", error }));
      runsApi.log(runId).then(
        () => fail("the log stream stopped; reload the page to follow it again"),
        (error: unknown) => fail(describe(error)),
      );
    };

    return () => {
      closed = true;
      if (flush !== undefined) clearTimeout(flush);
      source.close();
    };
  }, [runId]);

  return log;
}
