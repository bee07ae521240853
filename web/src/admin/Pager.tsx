import type { Page } from "../api";

interface Props<T> {
  page: Page<T>;
  /** What the items are, singular and plural ("user", "users"). */
  noun: [string, string];
  onOffset: (offset: number) => void;
}

/** "21–40 of 75 users" with Previous and Next. */
export function Pager<T>({ page, noun, onOffset }: Props<T>) {
  const first = page.total === 0 ? 0 : page.offset + 1;
  const last = page.offset + page.items.length;
  const words = page.total === 1 ? noun[0] : noun[1];
  return (
    <nav className="admin-pager" aria-label={`Pages of ${noun[1]}`}>
      <span aria-live="polite">
        {page.total <= page.items.length && page.offset === 0
          ? `${page.total} ${words}`
          : `${first}–${last} of ${page.total} ${words}`}
      </span>
      {page.total > page.limit && (
        <>
          <button
            type="button"
            disabled={page.offset === 0}
            onClick={() => onOffset(Math.max(0, page.offset - page.limit))}
          >
            Previous
          </button>
          <button type="button" disabled={last >= page.total} onClick={() => onOffset(page.offset + page.limit)}>
            Next
          </button>
        </>
      )}
    </nav>
  );
}
