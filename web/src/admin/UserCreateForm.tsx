import { useId, useState } from "react";

import { request } from "../api";
import { FormButtons, TextField } from "./FormParts";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import type { UserRecord } from "./adminApi";
import { useSubmit } from "./useSubmit";

const LABELS = {
  name: "Name",
  display_name: "Display name",
  email: "Email",
  auth_source: "Signs in with",
  password: "Password",
};

interface Props {
  onCreated: (user: UserRecord) => void;
  onCancel: () => void;
}

/** A new user: the API checks every field and its refusal is shown next to the form. The
 * password field is uncontrolled, so its value never becomes an attribute of the page. */
export function UserCreateForm({ onCreated, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [source, setSource] = useState<"local" | "host">("local");
  const { busy, error, onSubmit } = useSubmit(async (form) => {
    const password = String(new FormData(form).get("password") ?? "");
    const body: Record<string, string> = {
      name: name.trim(),
      display_name: displayName,
      email,
      auth_source: source,
    };
    if (source === "local" && password) body.password = password;
    const user = await request<UserRecord>("POST", "/api/users", body);
    form.reset();
    onCreated(user);
  });

  return (
    <form className="admin-form" aria-labelledby={`${id}-title`} onSubmit={onSubmit}>
      <h3 id={`${id}-title`}>New user</h3>
      <div className="admin-fields">
        <div className="admin-field">
          <label>
            Name
            <input
              value={name}
              onChange={(event) => setName(event.target.value)}
              required
              autoComplete="off"
              aria-invalid={isInvalid(error, "name")}
              aria-describedby={`${id}-name-hint`}
            />
          </label>
          <span id={`${id}-name-hint`} className="muted">
            {NAME_HINT}
          </span>
        </div>
        <TextField label="Display name" value={displayName} onChange={setDisplayName} />
        <TextField label="Email" type="email" value={email} onChange={setEmail} />
        <label>
          Signs in with
          <select value={source} onChange={(event) => setSource(event.target.value as "local" | "host")}>
            <option value="local">a Baton password</option>
            <option value="host">their host account (PAM)</option>
          </select>
        </label>
        {source === "local" && (
          <label>
            Password
            <input
              type="password"
              name="password"
              autoComplete="new-password"
              aria-invalid={isInvalid(error, "password")}
            />
          </label>
        )}
      </div>
      <FormProblem error={error} labels={LABELS} hints={{ name: NAME_HINT }} />
      <FormButtons label={busy ? "Creating…" : "Create user"} busy={busy} onCancel={onCancel} />
    </form>
  );
}
