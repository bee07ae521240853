import { useCallback, useEffect, useId, useRef, useState } from "react";

import { Problem } from "../components/Problem";
import { historyApi, type VersionInfo } from "./HistoryApi";
import { HistoryRestore } from "./HistoryRestore";
import { HistoryVersions } from "./HistoryVersions";
import { VersionDiff } from "./VersionDiff";
import "./history.css";

/** Versions listed per page. */
export const HISTORY_PAGE = 50;

interface Pair {
  from: number;
  to: number;
}

/**
 * A job's version history: its versions (who saved each, when, why), a visual diff of any two,
 * and, for users who may write the job, restoring an old version as the newest one.
 */
export function History({
  name,
  canWrite,
  onRestored,
}: {
  name: string;
  canWrite: boolean;
  onRestored: () => void;
}) {
  const id = useId();
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [total, setTotal] = useState(0);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [compared, setCompared] = useState<Pair | null>(null);
  const [restoring, setRestoring] = useState<VersionInfo | null>(null);
  const [restoreError, setRestoreError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState("");
  const opener = useRef<HTMLElement | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  /** The newest page again; the latest two versions chosen and compared. */
  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const page = await historyApi.versions(name, HISTORY_PAGE, 0);
      if (!mounted.current) return;
      setVersions(page.items);
      setTotal(page.total);
      const [newest, previous] = page.items;
      setTo(newest?.version ?? null);
      setFrom(previous?.version ?? newest?.version ?? null);
      setCompared(newest && previous ? { from: previous.version, to: newest.version } : null);
    } catch (error) {
      if (mounted.current) setLoadError(error);
    }
  }, [name]);

  useEffect(() => {
    setVersions(null);
    void load();
  }, [load]);

  const more = async () => {
    if (!versions) return;
    try {
      const page = await historyApi.versions(name, HISTORY_PAGE, versions.length);
      const known = new Set(versions.map((item) => item.version));
      setVersions([...versions, ...page.items.filter((item) => !known.has(item.version))]);
      setTotal(page.total);
    } catch (error) {
      setLoadError(error);
    }
  };

  const compare = () => {
    if (from === null || to === null || from === to) return;
    setCompared({ from: Math.min(from, to), to: Math.max(from, to) });
  };

  const ask = (version: VersionInfo) => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setRestoreError(null);
    setNotice("");
    setRestoring(version);
  };

  const cancel = () => {
    setRestoring(null);
    setRestoreError(null);
    opener.current?.focus();
  };

  const restore = async (comment: string) => {
    if (!restoring) return;
    setBusy(true);
    setRestoreError(null);
    try {
      const saved = await historyApi.restore(name, restoring.version, comment);
      if (!mounted.current) return;
      setNotice(`Version ${restoring.version} restored as version ${saved.version}.`);
      setRestoring(null);
      onRestored();
      await load();
    } catch (error) {
      if (mounted.current) setRestoreError(error);
    } finally {
      if (mounted.current) setBusy(false);
    }
  };

  const latest = versions?.[0]?.version ?? 0;
  const sameChoice = from !== null && from === to;
  return (
    <section className="history" aria-labelledby={`${id}-title`}>
      <div className="history-head">
        <h2 id={`${id}-title`}>History</h2>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <Problem error={loadError} />
      <p role="status" className="history-notice">
        {versions === null && !loadError ? "Loading versions…" : notice}
      </p>
      {restoring && (
        <HistoryRestore
          version={restoring}
          latest={latest}
          busy={busy}
          error={restoreError}
          onConfirm={(comment) => void restore(comment)}
          onCancel={cancel}
        />
      )}
      {versions && versions.length === 0 && <p className="muted">This job has no saved version yet.</p>}
      {versions && versions.length > 0 && (
        <>
          <HistoryVersions
            versions={versions}
            latest={latest}
            from={from}
            to={to}
            canWrite={canWrite}
            onFrom={setFrom}
            onTo={setTo}
            onRestore={ask}
          />
          <div className="history-actions">
            <button type="button" onClick={compare} disabled={from === null || to === null || sameChoice}>
              Compare
            </button>
            {sameChoice && <span className="muted">Choose two different versions to compare.</span>}
            {versions.length < total && (
              <button type="button" onClick={() => void more()}>
                Show older versions
              </button>
            )}
            <span className="muted">
              {total} version{total === 1 ? "" : "s"}
            </span>
          </div>
          {versions.length === 1 && <p className="muted">Only one version so far: nothing to compare yet.</p>}
        </>
      )}
      {compared && <VersionDiff key={`${compared.from}-${compared.to}`} name={name} {...compared} />}
    </section>
  );
}
