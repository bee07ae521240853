import { useCallback, useRef, useState } from "react";

import { workspacesApi, type Cell } from "./types";

export interface Transcripts {
  /** The cells run in a kernel while this page is open, oldest first. */
  cellsOf: (kernel: string) => Cell[];
  /** Run code in a kernel; its cell is added at once and completed by the answer. */
  run: (kernel: string, code: string, timeout: number) => Promise<Cell>;
  /** Drop a kernel's transcript (cleared by the user, or the kernel is gone). */
  forget: (kernel: string) => void;
}

const NONE: Cell[] = [];

/** The console transcripts of every kernel, kept while the page is open: switching from one
 * kernel to another keeps each one's cells, and an answer lands in its own kernel's
 * transcript even when another kernel is shown by then. */
export function useTranscripts(): Transcripts {
  const [cells, setCells] = useState<Record<string, Cell[]>>({});
  const next = useRef(1);

  const update = useCallback((kernel: string, cell: Cell) => {
    setCells((all) => {
      const list = all[kernel] ?? [];
      const known = list.some((other) => other.id === cell.id);
      const changed = known
        ? list.map((other) => (other.id === cell.id ? cell : other))
        : [...list, cell];
      return { ...all, [kernel]: changed };
    });
  }, []);

  const run = useCallback(
    async (kernel: string, code: string, timeout: number) => {
      const cell: Cell = { id: next.current++, code, timeout, answer: null, problem: null };
      update(kernel, cell);
      let done: Cell;
      try {
        done = { ...cell, answer: await workspacesApi.execute(kernel, code, timeout) };
      } catch (failure) {
        done = { ...cell, problem: failure };
      }
      update(kernel, done);
      return done;
    },
    [update],
  );

  const forget = useCallback((kernel: string) => {
    setCells((all) => {
      if (!(kernel in all)) return all;
      const rest = { ...all };
      delete rest[kernel];
      return rest;
    });
  }, []);

  const cellsOf = useCallback((kernel: string) => cells[kernel] ?? NONE, [cells]);
  return { cellsOf, run, forget };
}
