import { useId, useState } from "react";

import { request } from "../api";
import { FormProblem } from "./FormProblem";
import { PrincipalFields } from "./PrincipalFields";
import { ACTIONS, type Action, type PrincipalKind, type ResourceKind } from "./adminApi";
import { useSubmit } from "./useSubmit";

interface Props {
  kind: ResourceKind;
  name: string;
  onGranted: () => void;
}

/** Allow a user or a group an action on one resource (granting twice is harmless). */
export function GrantForm({ kind, name, onGranted }: Props) {
  const id = useId();
  const [holderKind, setHolderKind] = useState<PrincipalKind>("user");
  const [holder, setHolder] = useState("");
  const [action, setAction] = useState<Action>("run");
  const { busy, error, onSubmit } = useSubmit(async () => {
    await request("POST", "/api/permissions", {
      principal_kind: holderKind,
      principal: holder.trim(),
      resource_kind: kind,
      resource_name: name,
      action,
    });
    setHolder("");
    onGranted();
  });

  return (
    <form className="admin-form" aria-labelledby={`${id}-title`} onSubmit={onSubmit}>
      <h4 id={`${id}-title`}>
        Grant on {kind.replace("_", " ")} {name}
      </h4>
      <div className="admin-fields admin-row">
        <PrincipalFields
          kindLabel="Holder kind"
          nameLabel="Holder"
          kind={holderKind}
          onKind={setHolderKind}
          name={holder}
          onName={setHolder}
        />
        <label>
          Action
          <select value={action} onChange={(event) => setAction(event.target.value as Action)}>
            {ACTIONS.map((item) => (
              <option key={item} value={item}>
                {item}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          Grant
        </button>
      </div>
      <p className="muted">administer implies read, write and run.</p>
      <FormProblem
        error={error}
        labels={{ principal: "Holder", principal_kind: "Holder kind", resource_name: "Resource name", action: "Action" }}
      />
    </form>
  );
}
