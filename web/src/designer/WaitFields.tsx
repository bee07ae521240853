import { BindingInput } from "./BindingInput";
import { withField } from "./document";
import { NumberField, SelectField, TextField } from "./Fields";
import type { ScopeEntry } from "./scope";
import type { JobNode } from "./types";

type Trigger = "event" | "timer" | "file";

interface Props {
  node: JobNode;
  onChange: (node: JobNode) => void;
  scope: ScopeEntry[];
  readOnly: boolean;
}

const STARTS: Record<Trigger, Record<string, unknown>> = {
  event: { name: "ready" },
  timer: { seconds: 60 },
  file: { library: "", pattern: "*.csv" },
};

/** A wait node waits for exactly one of an event, a timer or a file (its timeout is required). */
export function WaitFields({ node, onChange, scope, readOnly }: Props) {
  const trigger: Trigger = node.event ? "event" : node.file ? "file" : "timer";
  const spec = (node[trigger] ?? {}) as Record<string, unknown>;
  const setSpec = (key: string, value: unknown) =>
    onChange({ ...node, [trigger]: withField(spec, key, value) });
  const choose = (next: string) => {
    const copy: JobNode = { ...node };
    delete copy.event;
    delete copy.timer;
    delete copy.file;
    onChange({ ...copy, [next]: STARTS[next as Trigger] });
  };
  const str = (key: string) => (typeof spec[key] === "string" ? (spec[key] as string) : "");
  return (
    <>
      <SelectField
        label="Wait for"
        value={trigger}
        options={[["event", "an event"], ["timer", "a timer"], ["file", "a file"]]}
        onChange={choose}
        readOnly={readOnly}
      />
      {trigger === "event" && (
        <>
          <TextField
            label="Event name"
            value={str("name")}
            onChange={(v) => setSpec("name", v)}
            readOnly={readOnly}
          />
          <BindingInput
            label="Filter (optional)"
            value={str("filter")}
            onChange={(v) => setSpec("filter", v)}
            scope={[...scope, { path: "event", type: "object", origin: "the event's payload" }]}
            readOnly={readOnly}
          />
        </>
      )}
      {trigger === "timer" && (
        <>
          <NumberField
            label="Seconds"
            value={spec.seconds as number | null}
            min={0}
            onChange={(v) => setSpec("seconds", v)}
            readOnly={readOnly}
          />
          <BindingInput
            label="Or until (a datetime)"
            value={str("until")}
            onChange={(v) => setSpec("until", v)}
            scope={scope}
            readOnly={readOnly}
          />
        </>
      )}
      {trigger === "file" && (
        <>
          <TextField
            label="Library (a registered folder)"
            value={str("library")}
            onChange={(v) => setSpec("library", v)}
            readOnly={readOnly}
          />
          <TextField
            label="File name pattern"
            value={str("pattern")}
            onChange={(v) => setSpec("pattern", v)}
            readOnly={readOnly}
          />
        </>
      )}
    </>
  );
}
