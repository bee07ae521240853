import { useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";

interface Props {
  /** Earlier inputs, oldest first: Up and Down walk through them. */
  history: string[];
  busy: boolean;
  onRun: (code: string) => void;
}

/** The console's code input: Ctrl+Enter (Cmd+Enter) runs; Up at the very start and Down at
 * the very end walk the history, as in a terminal, and move the caret otherwise. */
export function CodeInput({ history, busy, onRun }: Props) {
  const [code, setCode] = useState("");
  // Where in the history the input is: history.length means the draft being typed.
  const [position, setPosition] = useState<number | null>(null);
  const draft = useRef("");
  const area = useRef<HTMLTextAreaElement>(null);
  // Where the caret goes once a recalled input is in the box (null: where the user put it).
  const caret = useRef<number | null>(null);

  useLayoutEffect(() => {
    if (caret.current === null) return;
    area.current?.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [code, position]);

  const run = () => {
    if (busy || !code.trim()) return;
    onRun(code);
    setCode("");
    setPosition(null);
    draft.current = "";
  };

  const recall = (to: number, caretAtEnd: boolean) => {
    const current = position ?? history.length;
    if (current === history.length) draft.current = code;
    const text = to === history.length ? draft.current : history[to];
    setPosition(to);
    setCode(text);
    // Where the next Up (at the start) or Down (at the end) walks on.
    caret.current = caretAtEnd ? text.length : 0;
  };

  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    const target = event.currentTarget;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
      return;
    }
    const collapsed = target.selectionStart === target.selectionEnd;
    const current = position ?? history.length;
    if (event.key === "ArrowUp" && collapsed && target.selectionStart === 0 && current > 0) {
      event.preventDefault();
      recall(current - 1, false);
    } else if (
      event.key === "ArrowDown" &&
      collapsed &&
      target.selectionEnd === target.value.length &&
      current < history.length
    ) {
      event.preventDefault();
      recall(current + 1, true);
    }
  };

  return (
    <form
      className="ws-input"
      onSubmit={(event) => {
        event.preventDefault();
        run();
      }}
    >
      <label htmlFor="ws-code">Code</label>
      <textarea
        id="ws-code"
        ref={area}
        value={code}
        rows={Math.min(12, Math.max(3, code.split("\n").length))}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        aria-describedby="ws-code-hint"
        onChange={(event) => setCode(event.target.value)}
        onKeyDown={keyDown}
      />
      <div className="ws-input-bar">
        <span id="ws-code-hint" className="muted">
          Ctrl+Enter (⌘+Enter) runs; Up and Down at the start or end recall earlier inputs.
        </span>
        <button type="submit" disabled={busy || !code.trim()}>
          {busy ? "Running…" : "Run"}
        </button>
      </div>
    </form>
  );
}
