import { useId, useState } from "react";

import { request } from "../api";
import { FormButtons, TextField } from "./FormParts";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import type { GroupRecord } from "./adminApi";
import { useSubmit } from "./useSubmit";

interface Props {
  onCreated: (group: GroupRecord) => void;
  onCancel: () => void;
}

/** A new, empty group. */
export function GroupCreateForm({ onCreated, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const { busy, error, onSubmit } = useSubmit(async () => {
    onCreated(await request<GroupRecord>("POST", "/api/groups", { name: name.trim(), description }));
  });

  return (
    <form className="admin-form" aria-labelledby={`${id}-title`} onSubmit={onSubmit}>
      <h3 id={`${id}-title`}>New group</h3>
      <div className="admin-fields">
        <TextField label="Name" value={name} onChange={setName} required invalid={isInvalid(error, "name")} />
        <TextField label="Description" value={description} onChange={setDescription} />
      </div>
      <FormProblem error={error} labels={{ name: "Name", description: "Description" }} hints={{ name: NAME_HINT }} />
      <FormButtons label="Create group" busy={busy} onCancel={onCancel} />
    </form>
  );
}
