import { useCallback, useEffect, useState } from "react";

import { ApiError } from "../api";
import { runsApi, type RunDetail, type RunRecord } from "./api";
import { RUN_TERMINAL } from "./states";

/** Milliseconds between polls while the run is going; a crashed run waits to be resumed. */
export const POLL_MS = 1000;
const CRASHED_POLL_MS = 5000;
const RETRY_MS = 3000;

export interface RunDetailState {
  detail: RunDetail | null;
  error: unknown;
  /** Ask again now (and poll again if the run is still going). */
  refresh: () => void;
  /** Take a run record the API just answered (a cancel's) without waiting for the next poll. */
  update: (run: RunRecord) => void;
}

/** The run and its node attempts, polled every second until the run has ended. */
export function useRunDetail(runId: number): RunDetailState {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const answer = await runsApi.detail(runId);
        if (stopped) return;
        setDetail(answer);
        setError(null);
        if (!RUN_TERMINAL.has(answer.run.state)) {
          timer = setTimeout(() => void poll(), answer.run.state === "CRASHED" ? CRASHED_POLL_MS : POLL_MS);
        }
      } catch (failure) {
        if (stopped) return;
        setError(failure);
        // A run that is not there (or not yours to see) will not appear: stop asking.
        const gone = failure instanceof ApiError && (failure.status === 404 || failure.status === 401);
        if (!gone) timer = setTimeout(() => void poll(), RETRY_MS);
      }
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [runId, nonce]);

  const refresh = useCallback(() => setNonce((value) => value + 1), []);
  const update = useCallback(
    (run: RunRecord) => setDetail((before) => (before && before.run.id === run.id ? { ...before, run } : before)),
    [],
  );
  return { detail, error, refresh, update };
}
