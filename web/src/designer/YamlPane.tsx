import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from "react";

import type { JobDocument } from "./types";
import { jobToYaml, parseJobYaml, sameJob, type YamlProblem } from "./YamlPaneCodec";
import "./yaml.css";

/** How long the text rests before it is read (ms). */
export const YAML_DEBOUNCE_MS = 300;

interface Selection {
  start: number;
  end: number;
}

function where(problem: YamlProblem): string {
  if (problem.line === undefined) return problem.message;
  return `Line ${problem.line}, column ${problem.column ?? 1}: ${problem.message}`;
}

/**
 * The job as YAML, in sync with the graph: an edit of the text is read after a pause and, when it
 * is a job document, handed to `onChange`; a change of `job` from elsewhere rewrites the text
 * unless the text already says the same. A text that cannot be read shows why, with its line and
 * column, and the graph keeps the last good document.
 */
export function YamlPane({
  job,
  onChange,
  readOnly,
}: {
  job: JobDocument;
  onChange: (job: JobDocument) => void;
  readOnly: boolean;
}) {
  const id = useId();
  const [text, setText] = useState(() => jobToYaml(job));
  const [problem, setProblem] = useState<YamlProblem | null>(null);
  const textRef = useRef(text);
  // The last document the text was read as (or written from): the graph's job when in sync.
  const shown = useRef<JobDocument>(job);
  const latestJob = useRef(job);
  const latestOnChange = useRef(onChange);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLPreElement>(null);
  const keepSelection = useRef<Selection | null>(null);

  latestOnChange.current = onChange;

  const cancel = () => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  };

  const commit = useCallback((value: string) => {
    cancel();
    const parsed = parseJobYaml(value);
    if ("problem" in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    shown.current = parsed.job;
    if (!sameJob(parsed.job, latestJob.current)) {
      latestJob.current = parsed.job;
      latestOnChange.current(parsed.job);
    }
  }, []);

  // A change from outside (the canvas): rewrite the text unless it already says the same.
  useEffect(() => {
    latestJob.current = job;
    const parsed = parseJobYaml(textRef.current);
    const says = "job" in parsed ? parsed.job : shown.current;
    if (sameJob(job, says)) return;
    cancel();
    const next = jobToYaml(job);
    const node = area.current;
    if (node && document.activeElement === node) {
      keepSelection.current = { start: node.selectionStart, end: node.selectionEnd };
    }
    shown.current = job;
    textRef.current = next;
    setText(next);
    setProblem(null);
  }, [job]);

  // After a rewrite, put the cursor back where it was (within the new text).
  useLayoutEffect(() => {
    const selection = keepSelection.current;
    const node = area.current;
    if (!selection || !node) return;
    keepSelection.current = null;
    const end = text.length;
    node.setSelectionRange(Math.min(selection.start, end), Math.min(selection.end, end));
  }, [text]);

  useEffect(() => cancel, []);

  const edit = (value: string) => {
    textRef.current = value;
    setText(value);
    cancel();
    timer.current = setTimeout(() => commit(value), YAML_DEBOUNCE_MS);
  };

  // Leaving the text (e.g. for the canvas) reads it at once, so no typing is lost.
  const leave = () => {
    if (timer.current !== null) commit(textRef.current);
  };

  const lines = text.split("\n").length;
  const problemId = `${id}-problem`;
  const hintId = `${id}-hint`;
  return (
    <section className="yaml-pane" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="yaml-title">
        YAML
      </h2>
      <label htmlFor={`${id}-text`} className="visually-hidden">
        Job as YAML
      </label>
      <div className={`yaml-editor${problem ? " yaml-invalid" : ""}`}>
        <pre className="yaml-gutter" aria-hidden="true" ref={gutter}>
          {Array.from({ length: lines }, (_, index) => (
            <span key={index} className={problem?.line === index + 1 ? "yaml-gutter-error" : undefined}>
              {index + 1}
            </span>
          ))}
        </pre>
        <textarea
          id={`${id}-text`}
          ref={area}
          className="yaml-text"
          value={text}
          readOnly={readOnly}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          wrap="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${problemId} ${hintId}` : hintId}
          onChange={(event) => edit(event.target.value)}
          onBlur={leave}
          onScroll={(event) => {
            if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
          }}
        />
      </div>
      {problem && (
        <p id={problemId} role="alert" className="error yaml-problem">
          {where(problem)}
          <span className="muted"> The graph keeps the last valid document.</span>
        </p>
      )}
      <p id={hintId} className="muted yaml-hint">
        {readOnly
          ? "Read-only."
          : "The graph follows the text as you type; Tab leaves the text, indent with spaces."}
      </p>
    </section>
  );
}
