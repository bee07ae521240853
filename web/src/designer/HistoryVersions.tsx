import { useId } from "react";

import type { VersionInfo } from "./HistoryApi";

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/**
 * The versions, newest first: for each, a "from" and a "to" choice to compare two of them and,
 * when the user may write the job, a button to restore it (not the newest: it is the job now).
 */
export function HistoryVersions({
  versions,
  latest,
  from,
  to,
  canWrite,
  onFrom,
  onTo,
  onRestore,
}: {
  versions: VersionInfo[];
  latest: number;
  from: number | null;
  to: number | null;
  canWrite: boolean;
  onFrom: (version: number) => void;
  onTo: (version: number) => void;
  onRestore: (version: VersionInfo) => void;
}) {
  const group = useId();
  return (
    <table className="history-table">
      <caption className="visually-hidden">Versions of the job, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Saved</th>
          <th scope="col">Author</th>
          <th scope="col">Comment</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          {canWrite && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {versions.map((item) => (
          <tr
            key={item.version}
            className={item.version === from || item.version === to ? "history-chosen" : undefined}
          >
            <th scope="row">
              v{item.version}
              {item.version === latest && <span className="history-latest"> latest</span>}
            </th>
            <td>
              <time dateTime={item.created_at}>{when(item.created_at)}</time>
            </td>
            <td>{item.author}</td>
            <td>{item.comment || <span className="muted">no comment</span>}</td>
            <td>
              <input
                type="radio"
                name={`${group}-from`}
                aria-label={`Compare from version ${item.version}`}
                checked={from === item.version}
                onChange={() => onFrom(item.version)}
              />
            </td>
            <td>
              <input
                type="radio"
                name={`${group}-to`}
                aria-label={`Compare to version ${item.version}`}
                checked={to === item.version}
                onChange={() => onTo(item.version)}
              />
            </td>
            {canWrite && (
              <td>
                {item.version !== latest && (
                  <button
                    type="button"
                    aria-label={`Restore version ${item.version}`}
                    onClick={() => onRestore(item)}
                  >
                    Restore
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
