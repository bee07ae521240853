import { useState, type FormEvent } from "react";

import { request } from "../api";
import { FormProblem } from "./FormProblem";
import { apiPath } from "./adminApi";

/** Set a local user's password. The field is uncontrolled and emptied once the API took it. */
export function UserPassword({ name }: { name: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const password = String(new FormData(form).get("password") ?? "");
    setBusy(true);
    setError(null);
    setNote("");
    try {
      await request<void>("PUT", `${apiPath("/api/users", name)}/password`, { password });
      form.reset();
      setNote(`Password of ${name} set; their browser sessions were ended.`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="admin-form" aria-label={`Password of ${name}`} onSubmit={(event) => void submit(event)}>
      <div className="admin-fields">
        <label>
          New password
          <input type="password" name="password" autoComplete="new-password" required />
        </label>
      </div>
      <div className="admin-actions">
        <button type="submit" disabled={busy}>
          Set password
        </button>
      </div>
      <FormProblem error={error} labels={{ password: "New password" }} />
      {note && (
        <p role="status" className="admin-note">
          {note}
        </p>
      )}
    </form>
  );
}
