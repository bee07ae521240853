import type { ReactNode } from "react";

import { Problem } from "../components/Problem";
import type { Loaded } from "./useOperatorData";

interface Props<T> {
  loaded: Loaded<T>;
  /** Said until the first answer ("Loading servers…"); nothing once a read failed. */
  loading: string;
  /** Said instead of the list when the answer holds nothing. */
  empty?: ReactNode;
  /** When the answer holds nothing: an empty list unless said otherwise. */
  isEmpty?: (value: T) => boolean;
  children: (value: T) => ReactNode;
}

const emptyList = (value: unknown) => Array.isArray(value) && value.length === 0;

/** One of the console's lists as read: the last read's failure in words, then "Loading…"
 * until the first answer, `empty` when it holds nothing, else the list (kept while a later
 * read fails). */
export function LoadedView<T>({ loaded, loading, empty, isEmpty = emptyList, children }: Props<T>) {
  const value = loaded.value;
  return (
    <>
      <Problem error={loaded.error} />
      {value === null
        ? loaded.error
          ? null
          : <p role="status">{loading}</p>
        : empty !== undefined && isEmpty(value)
          ? empty
          : children(value)}
    </>
  );
}
