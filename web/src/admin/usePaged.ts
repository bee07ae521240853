import { useCallback, useEffect, useState } from "react";

import type { Page } from "../api";
import { getPage } from "./adminApi";

export interface Paged<T> {
  page: Page<T> | null;
  error: unknown;
  /** A request is on its way (the page shown may be the one before it). */
  loading: boolean;
  offset: number;
  setOffset: (offset: number) => void;
  reload: () => void;
}

/** One page of a list endpoint, loaded again when the filters, the offset or reload() change.
 * A page left empty by a delete steps back to the one before. */
export function usePaged<T>(
  path: string,
  filters: Record<string, string> = {},
  limit = 50,
): Paged<T> {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify(filters);

  useEffect(() => {
    setOffset(0);
  }, [key, limit]);

  useEffect(() => {
    let live = true;
    const values = { ...(JSON.parse(key) as Record<string, string>), limit, offset };
    setLoading(true);
    getPage<T>(path, values).then(
      (answer) => {
        if (!live) return;
        setLoading(false);
        if (answer.items.length === 0 && offset > 0) {
          setOffset(Math.max(0, offset - limit));
          return;
        }
        setPage(answer);
        setError(null);
      },
      (failure: unknown) => {
        if (!live) return;
        setLoading(false);
        setPage(null);
        setError(failure);
      },
    );
    return () => {
      live = false;
    };
  }, [path, key, limit, offset, version]);

  const reload = useCallback(() => setVersion((value) => value + 1), []);
  return { page, error, loading, offset, setOffset, reload };
}
