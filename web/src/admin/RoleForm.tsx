import { useId, useState } from "react";

import { request } from "../api";
import { FormButtons, FormNote, TextField } from "./FormParts";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import { CAPABILITIES, apiPath, type Capability, type RoleRecord } from "./adminApi";
import { useSubmit } from "./useSubmit";

/** What each capability lets a role's holders do. */
export const CAPABILITY_WORDS: Record<Capability, string> = {
  administer: "administer: everything, including users and rights",
  operate: "operate: the operator console (servers, spawners)",
  design_jobs: "design jobs: create and change orchestration jobs",
  run_jobs: "run jobs",
  run_programs: "run programs",
};

interface Props {
  /** The role to change; none: a new role. */
  role?: RoleRecord;
  onSaved: (role: RoleRecord) => void;
  onCancel?: () => void;
}

/** A new role, or a role's description and capabilities (fixed for built-in roles). */
export function RoleForm({ role, onSaved, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [description, setDescription] = useState(role?.description ?? "");
  const [chosen, setChosen] = useState<Capability[]>(role?.capabilities ?? []);
  const fixed = role?.builtin ?? false;

  const toggle = (capability: Capability, on: boolean) =>
    setChosen(on ? [...chosen, capability] : chosen.filter((item) => item !== capability));

  const { busy, error, note, onSubmit } = useSubmit(async () => {
    const capabilities = CAPABILITIES.filter((item) => chosen.includes(item));
    const saved = role
      ? await request<RoleRecord>("PATCH", apiPath("/api/roles", role.name), {
          description,
          ...(fixed ? {} : { capabilities }),
        })
      : await request<RoleRecord>("POST", "/api/roles", { name: name.trim(), description, capabilities });
    onSaved(saved);
    return role ? "Saved." : "";
  });

  return (
    <form
      className="admin-form"
      aria-label={role ? `Role ${role.name}` : undefined}
      aria-labelledby={role ? undefined : `${id}-title`}
      onSubmit={onSubmit}
    >
      {!role && <h3 id={`${id}-title`}>New role</h3>}
      <div className="admin-fields">
        {!role && (
          <TextField label="Name" value={name} onChange={setName} required invalid={isInvalid(error, "name")} />
        )}
        <TextField label="Description" value={description} onChange={setDescription} />
      </div>
      <fieldset className="admin-checks" disabled={fixed}>
        <legend>Capabilities{fixed && " (a built-in role's are fixed)"}</legend>
        {CAPABILITIES.map((capability) => (
          <label key={capability}>
            <input
              type="checkbox"
              checked={chosen.includes(capability)}
              onChange={(event) => toggle(capability, event.target.checked)}
            />
            {CAPABILITY_WORDS[capability]}
          </label>
        ))}
      </fieldset>
      <FormProblem
        error={error}
        labels={{ name: "Name", description: "Description", capabilities: "Capabilities" }}
        hints={{ name: NAME_HINT }}
      />
      <FormNote note={note} />
      <FormButtons label={role ? "Save role" : "Create role"} busy={busy} onCancel={onCancel} />
    </form>
  );
}
