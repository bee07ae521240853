import type { ReactNode } from "react";

interface Props {
  /** Said to screen readers only (the section's heading names most tables already). */
  caption?: string;
  /** The column headings, left to right. */
  columns: string[];
  /** The rows. */
  children: ReactNode;
}

/** One of the console's tables: scrolls sideways on a narrow screen, one heading per column. */
export function Table({ caption, columns, children }: Props) {
  return (
    <div className="operator-scroll">
      <table>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
