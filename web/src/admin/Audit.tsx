import { useEffect, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";

import { FormProblem } from "./FormProblem";
import { Pager } from "./Pager";
import { AuditTable } from "./AuditTable";
import type { AuditRecord } from "./adminApi";
import { usePaged } from "./usePaged";

/** Actions the control plane audits (suggestions: the field takes any). */
const ACTIONS = [
  "signin", "signin.failed", "signout", "denied", "grant", "revoke",
  "user.create", "user.update", "user.password", "user.delete",
  "group.create", "group.delete", "group.add_member", "group.remove_member",
  "role.create", "role.update", "role.delete",
  "credential.create", "credential.update", "credential.delete", "secrets.rotate",
  "token.create", "token.revoke", "host.create", "host.update", "host.delete", "host.token",
  "library.create", "library.update", "library.delete",
  "service.create", "service.update", "service.delete",
  "definition.create", "definition.update", "definition.delete",
  "job.create", "job.update", "job.delete", "job.rename", "job.restore",
  "job.lock", "job.unlock", "job.unlock.force", "run.create", "broker.run",
  "trigger.create", "trigger.update", "trigger.delete", "trigger.fire", "trigger.rotate_secret",
  "webhook.refused",
];

const SIZES = ["25", "50", "100", "200"];

/** The filters, as the address and the API name them. */
const KEYS = ["actor", "action", "resource", "outcome", "since", "until"] as const;
type Key = (typeof KEYS)[number];
type Filters = Record<Key, string>;

/** A datetime-local value (the browser's own time) as ISO 8601 for the API, or "". */
function isoOf(local: string): string {
  const at = new Date(local);
  return local && !Number.isNaN(at.getTime()) ? at.toISOString() : "";
}

/** The audit log (/admin/audit?actor=&action=&resource=&outcome=&since=&until=&size=):
 * newest first, filtered by the API, paged. */
export function Audit() {
  const [params, setParams] = useSearchParams();
  const applied = Object.fromEntries(KEYS.map((key) => [key, params.get(key) ?? ""])) as Filters;
  const size = SIZES.includes(params.get("size") ?? "") ? (params.get("size") as string) : "50";
  const [draft, setDraft] = useState<Filters>(applied);
  const [draftSize, setDraftSize] = useState(size);
  const query = Object.fromEntries(
    KEYS.map((key) => [key, key === "since" || key === "until" ? isoOf(applied[key]) : applied[key]]),
  );
  const events = usePaged<AuditRecord>("/api/audit", query, Number(size));
  const signature = KEYS.map((key) => applied[key]).join("\u0000");

  useEffect(() => {
    setDraft(Object.fromEntries(KEYS.map((key) => [key, params.get(key) ?? ""])) as Filters);
    setDraftSize(size);
  }, [signature, size]);

  const set = (key: Key) => (event: { target: { value: string } }) =>
    setDraft((old) => ({ ...old, [key]: event.target.value }));

  const filter = (event: FormEvent) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    for (const key of KEYS) if (draft[key].trim()) next[key] = draft[key].trim();
    if (draftSize !== "50") next.size = draftSize;
    setParams(next);
  };
  const filtered = KEYS.some((key) => applied[key]) || size !== "50";

  return (
    <section aria-labelledby="admin-audit-title">
      <div className="admin-head">
        <h2 id="admin-audit-title">Audit log</h2>
        <button type="button" onClick={events.reload}>
          Refresh
        </button>
      </div>
      <form className="admin-inline" aria-label="Audit filters" onSubmit={filter}>
        <label>
          Actor
          <input value={draft.actor} onChange={set("actor")} placeholder="user name" />
        </label>
        <label>
          Action
          <input
            list="admin-audit-actions"
            value={draft.action}
            onChange={set("action")}
            placeholder="grant, user.create, …"
          />
        </label>
        <label>
          Resource
          <input value={draft.resource} onChange={set("resource")} placeholder="program:sample, job:daily" />
        </label>
        <label>
          Outcome
          <select value={draft.outcome} onChange={set("outcome")}>
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="denied">denied</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={draft.since} onChange={set("since")} />
        </label>
        <label>
          Before
          <input type="datetime-local" value={draft.until} onChange={set("until")} />
        </label>
        <datalist id="admin-audit-actions">
          {ACTIONS.map((item) => (
            <option key={item} value={item} />
          ))}
        </datalist>
        <label>
          Per page
          <select value={draftSize} onChange={(event) => setDraftSize(event.target.value)}>
            {SIZES.map((item) => (
              <option key={item} value={item}>
                {item}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={() => setParams({})} disabled={!filtered}>
          Clear filters
        </button>
      </form>
      <FormProblem
        error={events.error}
        labels={{ actor: "Actor", action: "Action", resource: "Resource", since: "From", until: "Before" }}
        hints={{ actor: "a user name", action: "lower-case letters, _ and . (signin.failed, grant, …)" }}
      />
      {events.page === null ? (
        !events.error && <p role="status">Loading the audit log…</p>
      ) : (
        <>
          {events.loading && <p role="status">Loading…</p>}
          <Pager page={events.page} noun={["event", "events"]} onOffset={events.setOffset} />
          <AuditTable events={events.page.items} />
        </>
      )}
    </section>
  );
}
