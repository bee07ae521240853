import { useEffect, useState, type FormEvent } from "react";

import { Problem } from "../components/Problem";
import { workspacesApi, type Definition } from "./types";

/** A description short enough for an option. */
function brief(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

interface Props {
  onStarted: (id: string) => void | Promise<void>;
}

/** Start a kernel: of the workspace definition chosen when the user may read several, else
 * of the one the server chooses (the first enabled one the user may run). */
export function StartKernel({ onStarted }: Props) {
  // null: not known (still loading, or the user may not read definitions).
  const [choices, setChoices] = useState<Definition[] | null>(null);
  const [definition, setDefinition] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    workspacesApi
      .definitions()
      .then((page) => {
        if (!live) return;
        const enabled = page.items.filter((item) => item.kind === "workspace" && item.enabled);
        setChoices(enabled);
        setDefinition(enabled[0]?.name ?? "");
      })
      .catch(() => {
        // Reading definitions is not needed to start one: the server then chooses.
        if (live) setChoices([]);
      });
    return () => {
      live = false;
    };
  }, []);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const workspace = await workspacesApi.start(definition || null);
      await onStarted(workspace.id);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const several = choices !== null && choices.length > 1;
  return (
    <form className="ws-start" onSubmit={(event) => void start(event)}>
      {several && (
        <label>
          Workspace definition
          <select value={definition} onChange={(event) => setDefinition(event.target.value)}>
            {choices.map((choice) => (
              <option key={choice.name} value={choice.name}>
                {choice.name}
                {choice.description ? ` — ${brief(choice.description)}` : ""}
              </option>
            ))}
          </select>
        </label>
      )}
      {choices !== null && choices.length === 1 && (
        <p className="muted">Definition: {choices[0].name}</p>
      )}
      <button type="submit" disabled={busy || choices === null}>
        {busy ? "Starting…" : "Start a kernel"}
      </button>
      {busy && (
        <span role="status" className="muted">
          Starting a kernel: this takes a few seconds.
        </span>
      )}
      <Problem error={error} />
    </form>
  );
}
