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

/** The audit log (/admin/audit?actor=&action=&size=): newest first, filtered by the API on
 * actor and action (the filters it offers), paged. */
export function Audit() {
  const [params, setParams] = useSearchParams();
  const actor = params.get("actor") ?? "";
  const action = params.get("action") ?? "";
  const size = SIZES.includes(params.get("size") ?? "") ? (params.get("size") as string) : "50";
  const [draftActor, setDraftActor] = useState(actor);
  const [draftAction, setDraftAction] = useState(action);
  const [draftSize, setDraftSize] = useState(size);
  const events = usePaged<AuditRecord>("/api/audit", { actor, action }, Number(size));

  useEffect(() => {
    setDraftActor(actor);
    setDraftAction(action);
    setDraftSize(size);
  }, [actor, action, size]);

  const filter = (event: FormEvent) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (draftActor.trim()) next.actor = draftActor.trim();
    if (draftAction.trim()) next.action = draftAction.trim();
    if (draftSize !== "50") next.size = draftSize;
    setParams(next);
  };

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
          <input value={draftActor} onChange={(event) => setDraftActor(event.target.value)} placeholder="user name" />
        </label>
        <label>
          Action
          <input
            list="admin-audit-actions"
            value={draftAction}
            onChange={(event) => setDraftAction(event.target.value)}
            placeholder="grant, user.create, …"
          />
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
        <button type="button" onClick={() => setParams({})} disabled={!actor && !action && size === "50"}>
          Clear filters
        </button>
      </form>
      <FormProblem
        error={events.error}
        labels={{ actor: "Actor", action: "Action" }}
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
