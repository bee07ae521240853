import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { FormProblem } from "./FormProblem";
import { ACTIONS, PRINCIPAL_KINDS, type Action, type PrincipalKind, type ResourceKind } from "./adminApi";
import { useNames } from "./useNames";

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const choices = useNames(holderKind === "user" ? "/api/users" : "/api/groups");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await request("POST", "/api/permissions", {
        principal_kind: holderKind,
        principal: holder.trim(),
        resource_kind: kind,
        resource_name: name,
        action,
      });
      setHolder("");
      onGranted();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="admin-form" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)}>
      <h4 id={`${id}-title`}>
        Grant on {kind.replace("_", " ")} {name}
      </h4>
      <div className="admin-fields admin-row">
        <label>
          Holder kind
          <select value={holderKind} onChange={(event) => setHolderKind(event.target.value as PrincipalKind)}>
            {PRINCIPAL_KINDS.map((item) => (
              <option key={item} value={item}>
                {item}
              </option>
            ))}
          </select>
        </label>
        <label>
          Holder
          <input list={`${id}-holders`} value={holder} onChange={(event) => setHolder(event.target.value)} required />
        </label>
        <datalist id={`${id}-holders`}>
          {choices.map((choice) => (
            <option key={choice} value={choice} />
          ))}
        </datalist>
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
