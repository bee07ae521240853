import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError } from "../api";
import { designApi, releaseOnExit } from "./designApi";

export type LockState =
  | { state: "none" }
  | { state: "taking" }
  | { state: "mine" }
  | { state: "other"; holder: string; since: string | null }
  | { state: "denied" }
  | { state: "failed"; error: unknown };

/**
 * The edit lock of job `name` (null: a new job, nothing to lock): taken when the designer opens
 * it, unless someone else holds it (`holder`); released when the designer is left (or the page
 * goes away). Read-only unless the state is `mine` (or `none` for a new job).
 */
export function useJobLock(name: string | null, me: string, holder: string | null, since: string | null) {
  const [lock, setLock] = useState<LockState>(name === null ? { state: "none" } : { state: "taking" });
  const held = useRef<Promise<boolean> | null>(null);

  const take = useCallback(
    async (job: string) => {
      setLock({ state: "taking" });
      try {
        const record = await designApi.lock(job);
        setLock({ state: "mine" });
        return record.locked_by === me;
      } catch (error) {
        if (error instanceof ApiError && error.code === "job_locked") {
          const view = await designApi.job(job).catch(() => null);
          const holder = view?.locked_by ?? "another user";
          setLock({ state: "other", holder, since: view?.locked_at ?? null });
        } else if (error instanceof ApiError && error.status === 403) {
          setLock({ state: "denied" });
        } else {
          setLock({ state: "failed", error });
        }
        return false;
      }
    },
    [me],
  );

  useEffect(() => {
    if (name === null) return;
    if (holder !== null && holder !== me) {
      setLock({ state: "other", holder, since });
      return;
    }
    held.current = take(name);
    const leave = () => releaseOnExit(name);
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      const taken = held.current;
      held.current = null;
      void taken?.then((mine) => {
        if (mine) designApi.unlock(name).catch(() => undefined);
      });
    };
    // `since` only describes the holder; a change of it alone needs no new lock.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name, holder, me, take]);

  /** Break another user's lock (administer) and take it. */
  const breakLock = useCallback(async () => {
    if (name === null) return;
    try {
      await designApi.unlock(name, true);
    } catch (error) {
      setLock({ state: "failed", error });
      return;
    }
    held.current = take(name);
  }, [name, take]);

  return { lock, breakLock };
}
