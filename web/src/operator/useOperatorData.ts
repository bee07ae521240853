// The console's live data: every list read again every 2 s while the page is visible.

import { useCallback, useEffect, useRef, useState } from "react";

import { operatorApi } from "./operatorApi";
import type {
  DefinitionView,
  DispatcherHistory,
  DispatcherStatus,
  HostView,
  ServerView,
  SessionView,
} from "./types";

/** Milliseconds between two refreshes. */
export const REFRESH_MS = 2000;
/** Milliseconds between two reads of the history before its own interval is known. */
const HISTORY_MS = 10000;

/** One list: its last answer (kept when a later read fails) and the last read's failure. */
export interface Loaded<T> {
  value: T | null;
  error: unknown;
}

export interface OperatorData {
  servers: Loaded<ServerView[]>;
  definitions: Loaded<DefinitionView[]>;
  hosts: Loaded<HostView[]>;
  dispatcher: Loaded<DispatcherStatus>;
  history: Loaded<DispatcherHistory>;
  session: Loaded<SessionView>;
  /** When the last read that got any answer ended (null before the first). */
  at: Date | null;
}

const empty = <T,>(): Loaded<T> => ({ value: null, error: null });

const INITIAL: OperatorData = {
  servers: empty(),
  definitions: empty(),
  hosts: empty(),
  dispatcher: empty(),
  history: empty(),
  session: empty(),
  at: null,
};

function settle<T>(previous: Loaded<T>, outcome: PromiseSettledResult<T> | null): Loaded<T> {
  if (outcome === null) return previous;
  return outcome.status === "fulfilled"
    ? { value: outcome.value, error: null }
    : { value: previous.value, error: outcome.reason };
}

const visible = () => document.visibilityState !== "hidden";

/**
 * The operator's lists, read at once and then every {@link REFRESH_MS} ms while the document
 * is visible (not at all while it is hidden, nor once unmounted); the history every interval
 * of its own. `refresh()` reads everything now (after a change).
 */
export function useOperatorData(): OperatorData & { refresh: () => Promise<void> } {
  const [data, setData] = useState<OperatorData>(INITIAL);
  const latest = useRef(0);
  const busy = useRef(false);
  const historyAt = useRef(0);
  const historyEvery = useRef(HISTORY_MS);

  const read = useCallback(async (everything: boolean) => {
    const sequence = ++latest.current;
    busy.current = true;
    const now = Date.now();
    const historyDue = everything || now - historyAt.current >= historyEvery.current;
    if (historyDue) historyAt.current = now;
    const [servers, definitions, hosts, dispatcher, session, history] = await Promise.allSettled([
      operatorApi.servers(),
      operatorApi.definitions(),
      operatorApi.hosts(),
      operatorApi.dispatcher(),
      operatorApi.session(),
      historyDue ? operatorApi.history() : Promise.resolve(null),
    ]);
    if (sequence === latest.current) busy.current = false;
    if (sequence !== latest.current) return; // a later read answers instead
    let historyOutcome: PromiseSettledResult<DispatcherHistory> | null = null;
    if (history.status === "rejected") historyOutcome = history;
    else if (history.value !== null) {
      historyOutcome = { status: "fulfilled", value: history.value };
      historyEvery.current = Math.max(REFRESH_MS, history.value.interval * 1000);
    }
    const outcomes = [servers, definitions, hosts, dispatcher, session];
    const answered = outcomes.some((outcome) => outcome.status === "fulfilled");
    setData((previous) => ({
      servers: settle(previous.servers, servers),
      definitions: settle(previous.definitions, definitions),
      hosts: settle(previous.hosts, hosts),
      dispatcher: settle(previous.dispatcher, dispatcher),
      session: settle(previous.session, session),
      history: settle(previous.history, historyOutcome),
      at: answered ? new Date() : previous.at,
    }));
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | null = null;
    const stop = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    };
    const start = () => {
      stop();
      void read(true);
      timer = setInterval(() => {
        if (!busy.current) void read(false);
      }, REFRESH_MS);
    };
    const changed = () => (visible() ? start() : stop());
    if (visible()) start();
    document.addEventListener("visibilitychange", changed);
    return () => {
      document.removeEventListener("visibilitychange", changed);
      stop();
      latest.current += 1; // answers still on their way are dropped
    };
  }, [read]);

  const refresh = useCallback(() => read(true), [read]);
  return { ...data, refresh };
}
