import { useCallback, useEffect, useMemo, useState } from "react";

import { designApi } from "./designApi";
import { emptyJob, placeNodes } from "./document";
import type { JobDocument, JobView } from "./types";

export interface JobDocumentState {
  /** The stored job (null: a new job, or not loaded yet). */
  view: JobView | null;
  /** Who held the lock when the job was opened (decides whether the designer takes it). */
  openedLock: { holder: string | null; since: string | null } | null;
  loading: boolean;
  error: unknown;
  doc: JobDocument;
  setDoc: (doc: JobDocument) => void;
  /** The document as last saved (or loaded). */
  saved: JobDocument;
  /** Unsaved changes. */
  dirty: boolean;
  /** The document was saved as it is now. */
  markSaved: (version: number) => void;
  /** Read the stored job again (after a restore). */
  reload: () => Promise<void>;
}

/** The document being designed: job `name`'s latest version (placed on the canvas), or a new
 * empty one; and whether it changed since it was saved. */
export function useJobDocument(name: string | null): JobDocumentState {
  const [view, setView] = useState<JobView | null>(null);
  const [openedLock, setOpenedLock] = useState<JobDocumentState["openedLock"]>(null);
  const [loading, setLoading] = useState(name !== null);
  const [error, setError] = useState<unknown>(null);
  const [doc, setDoc] = useState<JobDocument>(() => emptyJob());
  const [baseline, setBaseline] = useState(() => JSON.stringify(emptyJob()));

  const load = useCallback(async () => {
    if (name === null) return;
    try {
      const found = await designApi.job(name);
      const placed = placeNodes({ ...found.document, edges: found.document.edges ?? [] });
      setView(found);
      setOpenedLock((current) => current ?? { holder: found.locked_by, since: found.locked_at });
      setDoc(placed);
      setBaseline(JSON.stringify(placed));
      setError(null);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoading(false);
    }
  }, [name]);

  useEffect(() => {
    void load();
  }, [load]);

  const markSaved = useCallback(
    (version: number) => {
      setBaseline(JSON.stringify(doc));
      setView((current) => (current ? { ...current, version, latest_version: version } : current));
    },
    [doc],
  );

  const saved = useMemo(() => JSON.parse(baseline) as JobDocument, [baseline]);
  return {
    view,
    saved,
    openedLock,
    loading,
    error,
    doc,
    setDoc,
    dirty: JSON.stringify(doc) !== baseline,
    markSaved,
    reload: load,
  };
}
