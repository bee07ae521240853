import { useEffect, useRef, useState, type FormEvent } from "react";

import { Problem } from "../components/Problem";
import {
  brokerFields,
  brokerLink,
  initialValue,
  problemOf,
  type FieldValue,
} from "./fields";
import { FieldInput } from "./FieldInput";
import { ProgramOutput, type OutputState } from "./ProgramOutput";
import { failureText, isText, runProgram } from "./run";
import type { ProgramDetail } from "./types";

function initialValues(detail: ProgramDetail): Record<string, FieldValue> {
  return Object.fromEntries(
    (detail.signature?.parameters ?? []).map((p) => [p.name, initialValue(p)]),
  );
}

/** A program's form (from its typed main()), its broker link, and its output as it streams. */
export function ProgramForm({ detail }: { detail: ProgramDetail }) {
  const parameters = detail.signature?.parameters ?? [];
  const [values, setValues] = useState(() => initialValues(detail));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [service, setService] = useState(detail.services[0] ?? "");
  const [output, setOutput] = useState<OutputState | null>(null);
  const [failure, setFailure] = useState("");
  const [running, setRunning] = useState(false);
  const [copied, setCopied] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const form = useRef<HTMLFormElement>(null);

  const refused = useRef(false);

  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    // After a refused run, the first field in trouble takes the focus (once it is marked).
    if (!refused.current) return;
    refused.current = false;
    form.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [problems]);

  const fields = brokerFields(detail.name, service, parameters, values);
  const link = brokerLink(window.location.origin, detail.broker, fields);

  const change = (name: string, value: FieldValue) => {
    setValues((old) => ({ ...old, [name]: value }));
    setProblems((old) => {
      const { [name]: _gone, ...rest } = old;
      return rest;
    });
  };

  const run = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    for (const parameter of parameters) {
      const problem = problemOf(parameter, values[parameter.name] ?? "");
      if (problem) found[parameter.name] = problem;
    }
    setProblems(found);
    if (Object.keys(found).length > 0) {
      refused.current = true;
      return;
    }
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setFailure("");
    setOutput(null);
    setRunning(true);
    const decoder = new TextDecoder();
    let ok = true;
    let text = "";
    try {
      const answer = await runProgram(
        detail.broker,
        fields,
        (start) => {
          ok = start.status < 400;
          if (ok) setOutput({ ...start, text: "", bytes: [], done: false });
        },
        (chunk) => {
          text += decoder.decode(chunk, { stream: true });
          if (!ok) return;
          const sofar = text;
          setOutput(
            (old) =>
              old && {
                ...old,
                text: isText(old.contentType) ? sofar : old.text,
                bytes: [...old.bytes, chunk],
              },
          );
        },
        controller.signal,
      );
      if (!ok) {
        setFailure(failureText(answer.status, text));
      } else {
        setOutput((old) => old && { ...old, done: true });
      }
    } catch (error) {
      if (!controller.signal.aborted) {
        setFailure(`the broker does not answer (${String(error)})`);
      } else {
        setOutput((old) => old && { ...old, done: true });
      }
    } finally {
      setRunning(false);
    }
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      setCopied(false);
      document.getElementById("broker-link")?.focus();
    }
  };

  return (
    <>
      <form ref={form} className="program-form" noValidate onSubmit={(event) => void run(event)}>
        {detail.services.length > 1 && (
          <label>
            Service
            <select value={service} onChange={(event) => setService(event.target.value)}>
              {detail.services.map((name) => (
                <option key={name}>{name}</option>
              ))}
            </select>
          </label>
        )}
        {parameters.map((parameter) => (
          <FieldInput
            key={parameter.name}
            parameter={parameter}
            value={values[parameter.name] ?? ""}
            problem={problems[parameter.name] ?? null}
            onChange={(value) => change(parameter.name, value)}
          />
        ))}
        {detail.signature === null && (
          <p className="muted">
            {detail.problem || "This program takes its fields as it likes (no typed main())."}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={running || detail.services.length === 0}>
            Run
          </button>
          {running && (
            <button type="button" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          )}
        </div>
        {detail.services.length === 0 && (
          <p className="error">No enabled service serves library {detail.library}.</p>
        )}
      </form>
      <div className="broker-link">
        <label htmlFor="broker-link">Broker link</label>
        <input id="broker-link" readOnly value={link} onFocus={(event) => event.target.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy link
        </button>
        <span role="status" className="muted">
          {copied ? "Copied." : ""}
        </span>
      </div>
      <section aria-labelledby="output-title" className="program-output">
        <h2 id="output-title">Output</h2>
        {running && <p role="status">Running…</p>}
        <Problem error={failure} />
        {output ? <ProgramOutput output={output} /> : !running && !failure && <p className="muted">Not run yet.</p>}
      </section>
    </>
  );
}
