import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import type { UserRecord } from "./adminApi";

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const password = String(new FormData(form).get("password") ?? "");
    setBusy(true);
    setError(null);
    try {
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
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="admin-form" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)}>
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
        <label>
          Display name
          <input value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
        </label>
        <label>
          Email
          <input type="email" value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
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
      <div className="admin-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create user"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
