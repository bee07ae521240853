import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import type { GroupRecord } from "./adminApi";

interface Props {
  onCreated: (group: GroupRecord) => void;
  onCancel: () => void;
}

/** A new, empty group. */
export function GroupCreateForm({ onCreated, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await request<GroupRecord>("POST", "/api/groups", { name: name.trim(), description }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="admin-form" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-title`}>New group</h3>
      <div className="admin-fields">
        <label>
          Name
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            aria-invalid={isInvalid(error, "name")}
          />
        </label>
        <label>
          Description
          <input value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
      </div>
      <FormProblem error={error} labels={{ name: "Name", description: "Description" }} hints={{ name: NAME_HINT }} />
      <div className="admin-actions">
        <button type="submit" disabled={busy}>
          Create group
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
