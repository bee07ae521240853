import { useEffect, useRef, useState } from "react";

import { Problem } from "../components/Problem";
import { CodeInput } from "./CodeInput";
import { OutputView } from "./OutputView";
import { DEFAULT_TIMEOUT, MAX_TIMEOUT, type Cell } from "./types";

interface Props {
  kernel: string;
  cells: Cell[];
  onRun: (code: string, timeout: number) => void;
  onClear: () => void;
}

/** The time limit typed, or the default when it is not a positive number. */
function seconds(typed: string): number {
  const value = Number(typed);
  return Number.isFinite(value) && value > 0 ? Math.min(value, MAX_TIMEOUT) : DEFAULT_TIMEOUT;
}

function Verdict({ cell }: { cell: Cell }) {
  if (cell.problem) return <Problem error={cell.problem} />;
  if (cell.answer === null) {
    return (
      <p role="status" className="muted">
        Running…
      </p>
    );
  }
  if (cell.answer.status === "timeout") {
    return (
      <p role="alert" className="error">
        Interrupted after {cell.timeout} s: the outputs above are those it gave until then.
      </p>
    );
  }
  return null;
}

/** One cell: its input with the execution count, and what came out. */
function CellView({ cell }: { cell: Cell }) {
  const count = cell.answer?.execution_count ?? null;
  return (
    <li className={`ws-cell ws-cell-${cell.answer?.status ?? "running"}`}>
      <div className="ws-cell-input">
        <span className="ws-prompt">In [{cell.answer === null && !cell.problem ? "*" : (count ?? " ")}]:</span>
        <pre className="ws-text ws-code">{cell.code}</pre>
      </div>
      <div className="ws-cell-outputs">
        {(cell.answer?.outputs ?? []).map((output, index) => (
          <OutputView key={index} output={output} count={count} />
        ))}
        <Verdict cell={cell} />
      </div>
    </li>
  );
}

/** A simple console on one kernel: the transcript, then the code input. */
export function Console({ kernel, cells, onRun, onClear }: Props) {
  const [limit, setLimit] = useState(String(DEFAULT_TIMEOUT));
  const transcript = useRef<HTMLOListElement>(null);
  const busy = cells.some((cell) => cell.answer === null && !cell.problem);

  // The newest cell in view: the transcript scrolls, not the page.
  useEffect(() => {
    const box = transcript.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [cells]);

  return (
    <section className="ws-console" aria-labelledby="ws-console-title">
      <div className="ws-section-head">
        <h3 id="ws-console-title">Console</h3>
        <label className="ws-timeout">
          Time limit (seconds)
          <input
            type="number"
            min={1}
            max={MAX_TIMEOUT}
            step={1}
            value={limit}
            onChange={(event) => setLimit(event.target.value)}
          />
        </label>
        <button type="button" onClick={onClear} disabled={cells.length === 0 || busy}>
          Clear transcript
        </button>
      </div>
      {cells.length === 0 ? (
        <p className="muted">Nothing run in kernel {kernel} yet.</p>
      ) : (
        <ol
          ref={transcript}
          className="ws-transcript"
          aria-label={`Transcript of kernel ${kernel}`}
          tabIndex={0}
        >
          {cells.map((cell) => (
            <CellView key={cell.id} cell={cell} />
          ))}
        </ol>
      )}
      <CodeInput
        key={kernel}
        history={cells.map((cell) => cell.code)}
        busy={busy}
        onRun={(code) => onRun(code, seconds(limit))}
      />
    </section>
  );
}
