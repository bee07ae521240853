import { BindingInput } from "./BindingInput";
import { IDENTIFIER, withField } from "./document";
import { CheckField, NumberField, SelectField, TextField } from "./Fields";
import { ArgvEditor, MapEditor } from "./ListEditors";
import type { ScopeEntry } from "./scope";
import type { JobNode } from "./types";
import type { Catalog } from "./useCatalog";
import { WaitFields } from "./WaitFields";

interface Props {
  node: JobNode;
  onChange: (node: JobNode) => void;
  scope: ScopeEntry[];
  readOnly: boolean;
  catalog: Catalog;
}

const text = (value: unknown) => (typeof value === "string" ? value : "");
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const isIdentifier = (name: string) => IDENTIFIER.test(name);
const ITERATION: ScopeEntry = { path: "iteration", type: "integer", origin: "loop" };

/** Select options: `first`, then `names` (each once) as themselves. */
function options(first: [string, string], names: string[]): [string, string][] {
  return [first, ...[...new Set(names.filter(Boolean))].map((name): [string, string] => [name, name])];
}

/** What a container holds: its flows are edited in the YAML view. */
function BodyNote({ node }: { node: JobNode }) {
  type Flow = { nodes?: unknown[] } | undefined;
  const parallel = node.kind === "parallel";
  const flows: Flow[] = parallel ? ((node.branches as Flow[] | undefined) ?? []) : [node.body as Flow];
  const count = flows.reduce((sum, flow) => sum + (flow?.nodes?.length ?? 0), 0);
  const what = parallel ? `${flows.length} branches, ${count} nodes` : `a body of ${count} nodes`;
  return <p className="designer-hint">It holds {what}; edit them in the YAML view.</p>;
}

/** The fields of a node's own kind: its program, its command, its condition ... */
export function KindFields({ node, onChange, scope, readOnly, catalog }: Props) {
  const set = (key: string, value: unknown) => onChange(withField(node, key, value));
  const put = (key: string) => (value: string) => onChange({ ...node, [key]: value });
  const common = { readOnly };
  const expression = (label: string, key: string, hint?: string, extra: ScopeEntry[] = []) => (
    <BindingInput
      label={label}
      value={text(node[key])}
      onChange={put(key)}
      scope={[...scope, ...extra]}
      hint={hint}
      {...common}
    />
  );
  switch (node.kind) {
    case "program": {
      const services = catalog.programs?.find((p) => p.name === node.program)?.services ?? [];
      return (
        <>
          <TextField
            label="Program"
            value={text(node.program)}
            onChange={put("program")}
            list="designer-programs"
            code
            hint="library.name"
            {...common}
          />
          <datalist id="designer-programs">
            {catalog.programs?.map((p) => <option key={p.name} value={p.name} />)}
          </datalist>
          <SelectField
            label="Service"
            value={text(node.service)}
            options={options(["", "the default service"], [...services, text(node.service)])}
            onChange={(v) => set("service", v)}
            {...common}
          />
        </>
      );
    }
    case "job": {
      const jobNames = (catalog.jobs ?? []).map((j) => j.name);
      return (
        <>
          <SelectField
            label="Job"
            value={text(node.job)}
            options={options(["", "choose a job"], [...jobNames, text(node.job)])}
            onChange={put("job")}
            {...common}
          />
          <NumberField
            label="Version (empty: its latest)"
            value={node.version as number | null}
            min={1}
            step={1}
            onChange={(v) => set("version", v)}
            {...common}
          />
        </>
      );
    }
    case "command":
      return (
        <>
          <ArgvEditor
            argv={(node.argv as string[] | undefined) ?? []}
            onChange={(argv) => onChange({ ...node, argv })}
            scope={scope}
            {...common}
          />
          <TextField
            label="Host (empty: the control plane's)"
            value={text(node.host)}
            onChange={(v) => set("host", v)}
            {...common}
          />
          <TextField
            label="Exit codes that mean success"
            value={((node.exit_codes as number[] | undefined) ?? [0]).join(", ")}
            onChange={(v) => {
              const codes = v.split(/[\s,]+/).filter(Boolean).map(Number).filter(Number.isInteger);
              set("exit_codes", codes.length === 1 && codes[0] === 0 ? undefined : codes);
            }}
            {...common}
          />
          <CheckField
            label="Parse standard output as JSON (output json)"
            checked={Boolean(node.parse_json)}
            onChange={(v) => set("parse_json", v || undefined)}
            {...common}
          />
          <MapEditor
            legend="Environment"
            noun="variable"
            entries={(node.env as Record<string, string>) ?? {}}
            onChange={(env) => set("env", env)}
            scope={scope}
            valid={(name) => ENV_NAME.test(name)}
            initial=""
            {...common}
          />
        </>
      );
    case "service":
      return (
        <>
          <SelectField
            label="Method"
            value={text(node.method) || "POST"}
            options={["GET", "POST", "PUT", "PATCH", "DELETE"]}
            onChange={(v) => set("method", v === "POST" ? undefined : v)}
            {...common}
          />
          {expression("URL", "url", "{{ expression }} templates allowed.")}
          <TextField
            label="OpenAPI document URL (optional)"
            value={text(node.openapi)}
            onChange={(v) => set("openapi", v)}
            {...common}
          />
          {node.openapi ? (
            <TextField label="Operation id" value={text(node.operation)} onChange={(v) => set("operation", v)} {...common} />
          ) : null}
        </>
      );
    case "expression":
      return (
        <>
          <MapEditor
            legend="Assignments (job variables)"
            noun="assignment"
            entries={(node.assign as Record<string, string>) ?? {}}
            onChange={(v) => set("assign", v)}
            scope={scope}
            valid={isIdentifier}
            initial="null"
            {...common}
          />
          <MapEditor
            legend="Slots (first true wins)"
            noun="slot"
            entries={(node.slots as Record<string, string>) ?? {}}
            onChange={(v) => set("slots", v)}
            scope={scope}
            valid={isIdentifier}
            initial="true"
            {...common}
          />
        </>
      );
    case "if":
      return expression("Condition", "condition", "A boolean CEL expression; then and else edges follow it.");
    case "loop":
      return (
        <>
          {expression("Condition", "condition", "Checked before each pass.", [ITERATION])}
          <NumberField
            label="At most, iterations"
            value={(node.max_iterations as number | undefined) ?? 100}
            min={1}
            step={1}
            onChange={(v) => set("max_iterations", v)}
            {...common}
          />
          <BodyNote node={node} />
        </>
      );
    case "foreach":
      return (
        <>
          {expression("Items", "items", "A CEL expression giving a list.")}
          <TextField
            label="Item variable"
            value={text(node.variable) || "item"}
            onChange={(v) => set("variable", v === "item" ? undefined : v)}
            {...common}
          />
          <NumberField
            label="Concurrency"
            value={(node.concurrency as number | undefined) ?? 4}
            min={1}
            step={1}
            onChange={(v) => set("concurrency", v)}
            {...common}
          />
          <BindingInput
            label="Collect (optional)"
            value={text(node.collect)}
            onChange={(v) => set("collect", v)}
            scope={scope}
            {...common}
          />
          <BodyNote node={node} />
        </>
      );
    case "parallel":
      return <BodyNote node={node} />;
    case "wait":
      return <WaitFields node={node} onChange={onChange} scope={scope} {...common} />;
    case "emit":
      return (
        <TextField label="Event" value={text(node.event)} onChange={put("event")} hint="Its payload: its inputs." {...common} />
      );
    case "terminate":
      return (
        <>
          <SelectField
            label="Status"
            value={text(node.status) || "succeeded"}
            options={["succeeded", "failed", "cancelled"]}
            onChange={(v) => set("status", v === "succeeded" ? undefined : v)}
            {...common}
          />
          <BindingInput
            label="Message"
            value={text(node.message)}
            onChange={(v) => set("message", v)}
            scope={scope}
            {...common}
          />
        </>
      );
    default:
      return null;
  }
}
