import { useEffect, useRef, useState } from "react";

import { request } from "../api";

/** One record read from the API at `path` (read again when the path changes): the record
 * (null until it came; the setter takes the API's answer to a change), and the read's failure.
 * `onLoad` sees each record as read, e.g. to fill a form with it. */
export function useRecord<T>(path: string, onLoad?: (record: T) => void) {
  const [record, setRecord] = useState<T | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const loaded = useRef(onLoad);
  loaded.current = onLoad;

  useEffect(() => {
    let live = true;
    request<T>("GET", path).then(
      (found) => {
        if (!live) return;
        setRecord(found);
        loaded.current?.(found);
      },
      (failure: unknown) => live && setLoadError(failure),
    );
    return () => {
      live = false;
    };
  }, [path]);

  return { record, setRecord, loadError };
}
