import { useState, type FormEvent } from "react";

import { request } from "../api";
import { AdminPanel } from "./AdminPanel";
import { Confirm, type Confirmation } from "./Confirm";
import { FormProblem } from "./FormProblem";
import { PrincipalFields } from "./PrincipalFields";
import { RoleForm } from "./RoleForm";
import { apiPath, type PrincipalKind, type RoleRecord } from "./adminApi";
import { useRecord } from "./useRecord";

interface Props {
  name: string;
  onChanged: () => void;
  onDeleted: () => void;
}

/** One role: its capabilities, who holds it (users and groups: give, take away), deleting it
 * (custom roles only). The API keeps at least one administrator: its refusal is shown. */
export function RolePanel({ name, onChanged, onDeleted }: Props) {
  const [kind, setKind] = useState<PrincipalKind>("user");
  const [holder, setHolder] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<Confirmation | null>(null);
  const path = apiPath("/api/roles", name);
  const { record: role, setRecord: setRole, loadError } = useRecord<RoleRecord>(path);

  if (loadError) return <FormProblem error={loadError} />;
  if (role === null) return <p role="status">Loading role {name}…</p>;

  const changed = (next: RoleRecord) => {
    setRole(next);
    onChanged();
  };

  const give = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      changed(await request<RoleRecord>("POST", `${path}/holders`, { principal_kind: kind, principal: holder.trim() }));
      setHolder("");
    } catch (failure) {
      setError(failure);
    }
  };

  const takeAway = (holderKind: PrincipalKind, who: string) =>
    setConfirming({
      title: `Take the role ${name} from ${holderKind} ${who}?`,
      message: `${who} loses the role's capabilities (${role.capabilities.join(", ") || "none"}).`,
      action: "Take away",
      run: async () => {
        changed(await request<RoleRecord>("DELETE", apiPath(`${path}/holders`, holderKind, who)));
      },
    });

  const remove = () =>
    setConfirming({
      title: `Delete role ${name}?`,
      message: "Its holders lose its capabilities. This cannot be undone.",
      action: "Delete role",
      run: async () => {
        await request<void>("DELETE", path);
        onDeleted();
      },
    });

  const holders: [PrincipalKind, string][] = [
    ...role.users.map((user): [PrincipalKind, string] => ["user", user]),
    ...role.groups.map((group): [PrincipalKind, string] => ["group", group]),
  ];

  return (
    <AdminPanel title={`Role ${role.name}`} close="/admin/roles">
      <RoleForm key={role.id} role={role} onSaved={changed} />
      <h4>Holders</h4>
      {holders.length === 0 ? (
        <p>Nobody holds this role.</p>
      ) : (
        <ul className="admin-chips" aria-label={`Holders of ${role.name}`}>
          {holders.map(([holderKind, who]) => (
            <li key={`${holderKind}:${who}`}>
              {holderKind} {who}{" "}
              <button
                type="button"
                aria-label={`Take ${role.name} from ${holderKind} ${who}`}
                onClick={() => takeAway(holderKind, who)}
              >
                Take away
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="admin-inline" aria-label={`Give ${role.name}`} onSubmit={(event) => void give(event)}>
        <PrincipalFields
          kindLabel="Give to a"
          nameLabel="Named"
          kind={kind}
          onKind={setKind}
          name={holder}
          onName={setHolder}
        />
        <button type="submit">Give role</button>
      </form>
      <FormProblem error={error} labels={{ principal: "Named", principal_kind: "Give to a" }} />
      {!role.builtin && (
        <div className="admin-actions">
          <button type="button" className="admin-danger" onClick={remove}>
            Delete role
          </button>
        </div>
      )}
      <Confirm confirmation={confirming} onClose={() => setConfirming(null)} />
    </AdminPanel>
  );
}
