import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import { CAPABILITIES, apiPath, type Capability, type RoleRecord } from "./adminApi";

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");
  const fixed = role?.builtin ?? false;

  const toggle = (capability: Capability, on: boolean) =>
    setChosen(on ? [...chosen, capability] : chosen.filter((item) => item !== capability));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNote("");
    try {
      const capabilities = CAPABILITIES.filter((item) => chosen.includes(item));
      const saved = role
        ? await request<RoleRecord>("PATCH", apiPath("/api/roles", role.name), {
            description,
            ...(fixed ? {} : { capabilities }),
          })
        : await request<RoleRecord>("POST", "/api/roles", { name: name.trim(), description, capabilities });
      if (role) setNote("Saved.");
      onSaved(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="admin-form"
      aria-label={role ? `Role ${role.name}` : undefined}
      aria-labelledby={role ? undefined : `${id}-title`}
      onSubmit={(event) => void submit(event)}
    >
      {!role && <h3 id={`${id}-title`}>New role</h3>}
      <div className="admin-fields">
        {!role && (
          <label>
            Name
            <input value={name} onChange={(event) => setName(event.target.value)} required aria-invalid={isInvalid(error, "name")} />
          </label>
        )}
        <label>
          Description
          <input value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
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
      {note && (
        <p role="status" className="admin-note">
          {note}
        </p>
      )}
      <div className="admin-actions">
        <button type="submit" disabled={busy}>
          {role ? "Save role" : "Create role"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
