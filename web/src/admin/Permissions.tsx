import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";

import { request } from "../api";
import { Confirm, type Confirmation } from "./Confirm";
import { FormProblem } from "./FormProblem";
import { GrantForm } from "./GrantForm";
import { GrantTable } from "./GrantTable";
import { RESOURCE_KINDS, getAll, type PermissionRecord, type ResourceKind } from "./adminApi";
import { applying, kindsToLoad, type Applying } from "./grants";
import { useNames } from "./useNames";

const LISTS: Record<ResourceKind, string> = {
  program: "/api/libraries",
  library: "/api/libraries",
  service: "/api/services",
  job: "/api/jobs",
  server_definition: "/api/definitions",
};

const isKind = (value: string | null): value is ResourceKind =>
  RESOURCE_KINDS.some((kind) => kind === value);

/** Permissions per resource (/admin/permissions?kind=program&name=sample.add): the grants
 * that apply to it, directly or through a wider one, granting, and revoking with confirmation. */
export function Permissions() {
  const [params, setParams] = useSearchParams();
  const shownKind = params.get("kind");
  const kind: ResourceKind = isKind(shownKind) ? shownKind : "program";
  const name = params.get("name") ?? "";
  const [draftKind, setDraftKind] = useState<ResourceKind>(kind);
  const [draftName, setDraftName] = useState(name);
  const [grants, setGrants] = useState<Applying[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<Confirmation | null>(null);
  const known = useNames(LISTS[draftKind]);
  const suggestions = draftKind === "program" ? known.map((library) => `${library}.*`) : known;

  const load = useCallback(async () => {
    setError(null);
    try {
      const lists = await Promise.all(
        kindsToLoad(kind, name).map((each) => getAll<PermissionRecord>("/api/permissions", { resource_kind: each })),
      );
      setGrants(applying(lists.flat(), kind, name));
    } catch (failure) {
      setError(failure);
    }
  }, [kind, name]);

  useEffect(() => {
    setDraftKind(kind);
    setDraftName(name);
    setGrants(null);
    void load();
  }, [kind, name, load]);

  const show = (event: FormEvent) => {
    event.preventDefault();
    setParams(draftName.trim() ? { kind: draftKind, name: draftName.trim() } : { kind: draftKind });
  };

  const revoke = ({ grant, through }: Applying) =>
    setConfirming({
      title: `Revoke ${grant.action} from ${grant.principal_kind} ${grant.principal}?`,
      message:
        `${grant.principal} will no longer ${grant.action} ${grant.resource_kind} ${grant.resource_name}` +
        (through ? ` (the grant covers ${through}, not only this ${kind.replace("_", " ")}).` : "."),
      action: "Revoke",
      run: async () => {
        await request<void>("DELETE", `/api/permissions/${grant.id}`);
        await load();
      },
    });

  const words = kind.replace("_", " ");
  return (
    <section aria-labelledby="admin-permissions-title">
      <h2 id="admin-permissions-title">Permissions</h2>
      <form className="admin-inline" aria-label="Resource" onSubmit={show}>
        <label>
          Resource kind
          <select value={draftKind} onChange={(event) => setDraftKind(event.target.value as ResourceKind)}>
            {RESOURCE_KINDS.map((item) => (
              <option key={item} value={item}>
                {item.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Resource name
          <input
            list="admin-resource-names"
            value={draftName}
            placeholder={draftKind === "program" ? "library.program" : "name, or * for all"}
            onChange={(event) => setDraftName(event.target.value)}
          />
        </label>
        <datalist id="admin-resource-names">
          <option value="*" />
          {suggestions.map((item) => (
            <option key={item} value={item} />
          ))}
        </datalist>
        <button type="submit">Show grants</button>
      </form>
      <h3>{name ? `Who may do what on ${words} ${name}` : `Every grant on a ${words}`}</h3>
      <FormProblem error={error} />
      {grants === null ? (
        !error && <p role="status">Loading grants…</p>
      ) : (
        <GrantTable grants={grants} onRevoke={revoke} />
      )}
      {name ? (
        <GrantForm kind={kind} name={name} onGranted={() => void load()} />
      ) : (
        <p className="muted">Choose a resource by name (or * for every {words}) to grant on it.</p>
      )}
      <Confirm confirmation={confirming} onClose={() => setConfirming(null)} />
    </section>
  );
}
