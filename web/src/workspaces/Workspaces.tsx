import { useCallback, useEffect, useState } from "react";

import { ApiError, type Me } from "../api";
import { Problem } from "../components/Problem";
import { ConnectionInfo } from "./ConnectionInfo";
import { Console } from "./Console";
import { KernelTable } from "./KernelTable";
import { StartKernel } from "./StartKernel";
import { workspacesApi, type Workspace } from "./types";
import { useTranscripts } from "./useTranscripts";
import "./workspaces.css";

/** How often the list is read again (execution state, last activity, culled kernels). */
const REFRESH_MS = 10_000;

/** Workspaces: the user's Jupyter kernels; start, stop, connection info, and a console. */
export function Workspaces({ me }: { me: Me }) {
  const [kernels, setKernels] = useState<Workspace[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const transcripts = useTranscripts();
  const { forget } = transcripts;

  const load = useCallback(async () => {
    try {
      const list = await workspacesApi.list();
      setKernels(list);
      setError(null);
      // A kernel gone (stopped elsewhere, culled, exited) takes its console with it.
      setSelected((current) =>
        current !== null && list.some((kernel) => kernel.id === current)
          ? current
          : (list[0]?.id ?? null),
      );
      return list;
    } catch (failure) {
      setError(failure);
      return null;
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => {
      if (document.visibilityState !== "hidden") void load();
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  const started = async (id: string) => {
    await load();
    setSelected(id);
  };

  const stop = async (id: string) => {
    try {
      await workspacesApi.stop(id);
      setError(null);
    } catch (failure) {
      // Already gone (404) is what the user wanted; anything else is said.
      if (!(failure instanceof ApiError && failure.status === 404)) setError(failure);
    }
    forget(id);
    await load();
  };

  const run = async (id: string, code: string, timeout: number) => {
    await transcripts.run(id, code, timeout);
    await load();
  };

  const current = kernels?.find((kernel) => kernel.id === selected) ?? null;
  return (
    <div className="ws-page">
      <h1>Workspaces</h1>
      <p className="muted">
        Jupyter kernels started for {me.user.name}: only you see them. Idle kernels are stopped
        after a while.
      </p>
      <Problem error={error} />
      <section aria-labelledby="ws-kernels-title">
        <h2 id="ws-kernels-title">Your kernels</h2>
        {kernels === null ? (
          error ? null : <p role="status">Loading…</p>
        ) : kernels.length === 0 ? (
          <p>No kernel running. Start one to run Python code.</p>
        ) : (
          <KernelTable kernels={kernels} selected={selected} onSelect={setSelected} onStop={stop} />
        )}
        <StartKernel onStarted={started} />
      </section>
      {current && (
        <section className="ws-kernel" aria-labelledby="ws-kernel-title">
          <h2 id="ws-kernel-title">
            Kernel <code>{current.id}</code>
            <span className="muted"> ({current.definition}, {current.execution_state})</span>
          </h2>
          <div className="ws-kernel-body">
            <Console
              kernel={current.id}
              cells={transcripts.cellsOf(current.id)}
              onRun={(code, timeout) => void run(current.id, code, timeout)}
              onClear={() => forget(current.id)}
            />
            <ConnectionInfo workspace={current} />
          </div>
        </section>
      )}
    </div>
  );
}
