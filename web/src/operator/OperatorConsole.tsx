import { useCallback, useEffect, useRef, useState } from "react";

import { request, type Me } from "../api";
import { describe } from "../components/Problem";
import { DefinitionsTable } from "./DefinitionsTable";
import { clock } from "./format";
import { HistoryChart } from "./HistoryChart";
import { HostsPanel } from "./HostsPanel";
import { LoadTable } from "./LoadTable";
import { operatorApi } from "./operatorApi";
import { ServersTable } from "./ServersTable";
import { SessionBar } from "./SessionBar";
import type { Act } from "./types";
import { REFRESH_MS, useOperatorData } from "./useOperatorData";
import "./operator.css";

interface Notice {
  ok: boolean;
  text: string;
}

/**
 * The operator console: this host's servers and definitions, other hosts' spawners, the
 * dispatcher's pools and their last hour, read again every 2 s while the page is visible.
 * Every change asks for confirmation and runs under the operator session, which the console
 * takes at the first change and releases when the operator leaves the page.
 */
export function OperatorConsole({ me }: { me: Me }) {
  const data = useOperatorData();
  const { refresh } = data;
  const [notice, setNotice] = useState<Notice | null>(null);
  const session = data.session.value;
  // Whether this page holds the session (so that leaving it releases it).
  const holding = useRef(false);
  const yours = session?.yours ?? false;

  useEffect(() => {
    holding.current = yours;
  }, [yours]);

  // A change can remove the row whose button had the focus (a stopped server): the focus then
  // goes to the change's outcome rather than to the top of the page.
  const messages = useRef<HTMLDivElement>(null);
  const changed = useRef(false);
  useEffect(() => {
    if (!changed.current) return;
    changed.current = false;
    const focused = document.activeElement;
    if (focused === null || focused === document.body) messages.current?.focus();
  }, [data.servers, data.definitions, data.hosts]);

  // Leaving the page (another page of the app, a reload, a closed tab) releases the session.
  useEffect(() => {
    const leaving = () => {
      if (holding.current) operatorApi.releaseOnExit();
    };
    window.addEventListener("pagehide", leaving);
    return () => {
      window.removeEventListener("pagehide", leaving);
      if (holding.current) operatorApi.release().catch(() => undefined);
    };
  }, []);

  const take = useCallback(
    async (force: boolean) => {
      try {
        const taken = await operatorApi.take(force);
        holding.current = taken.yours;
        setNotice({ ok: true, text: "You hold the operator session." });
      } catch (error) {
        setNotice({ ok: false, text: `Could not take the operator session: ${describe(error)}` });
      }
      await refresh();
    },
    [refresh],
  );

  const release = useCallback(async () => {
    try {
      await operatorApi.release();
      holding.current = false;
      setNotice({ ok: true, text: "You released the operator session." });
    } catch (error) {
      setNotice({ ok: false, text: `Could not release the operator session: ${describe(error)}` });
    }
    await refresh();
  }, [refresh]);

  const act: Act = useCallback(
    async <T,>(what: string, path: string, done: (answer: T) => string) => {
      setNotice(null);
      try {
        if (!holding.current) {
          try {
            holding.current = (await operatorApi.take(false)).yours;
          } catch (error) {
            setNotice({ ok: false, text: `Could not ${what}: ${describe(error)}` });
            return;
          }
        }
        const answer = await request<T>("POST", path);
        setNotice({ ok: true, text: done(answer) });
      } catch (error) {
        setNotice({ ok: false, text: `Could not ${what}: ${describe(error)}` });
      } finally {
        changed.current = true;
        await refresh();
      }
    },
    [refresh],
  );

  const everyFailed = [data.servers, data.definitions, data.hosts, data.dispatcher].every(
    (loaded) => loaded.error,
  );
  return (
    <div className="operator">
      <h1>Operator console</h1>
      <p className="muted operator-freshness">
        {data.at === null
          ? everyFailed
            ? "Nothing could be read yet."
            : "Reading…"
          : `Data from ${clock(data.at)}, read again every ${REFRESH_MS / 1000} s ` +
            "while this page is visible."}{" "}
        <button type="button" className="operator-button" onClick={() => void refresh()}>
          Refresh now
        </button>
      </p>
      <SessionBar me={me} session={data.session} onTake={take} onRelease={release} />
      <div ref={messages} tabIndex={-1} className="operator-messages">
        <div className="operator-notice" role="status">
          {notice?.ok ? notice.text : ""}
        </div>
        {notice && !notice.ok && (
          <p role="alert" className="error operator-refusal">
            {notice.text}
          </p>
        )}
      </div>
      <LoadTable dispatcher={data.dispatcher} />
      <HistoryChart history={data.history} />
      <ServersTable servers={data.servers} act={act} />
      <DefinitionsTable definitions={data.definitions} act={act} />
      <HostsPanel hosts={data.hosts} act={act} />
    </div>
  );
}
