import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";

import { request, type Me } from "../api";
import { AdminPanel } from "./AdminPanel";
import { Confirm, type Confirmation } from "./Confirm";
import { FormNote, TextField } from "./FormParts";
import { FormProblem } from "./FormProblem";
import { UserPassword } from "./UserPassword";
import { apiPath, when, type UserRecord } from "./adminApi";
import { useRecord } from "./useRecord";

interface Props {
  name: string;
  me: Me;
  onChanged: () => void;
  onDeleted: () => void;
}

/** One user: display name and email, enable / disable, password, delete. Administrators
 * cannot disable or delete themselves (the API refuses): those controls are not shown. */
export function UserEditor({ name, me, onChanged, onDeleted }: Props) {
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState<Confirmation | null>(null);
  const self = name === me.user.name;
  const fill = (found: UserRecord) => {
    setDisplayName(found.display_name);
    setEmail(found.email);
  };
  const { record: user, setRecord: setUser, loadError } = useRecord<UserRecord>(apiPath("/api/users", name), fill);

  if (loadError) return <FormProblem error={loadError} />;
  if (user === null) return <p role="status">Loading user {name}…</p>;

  const change = async (body: Record<string, string | boolean>, done: string) => {
    setError(null);
    setNote("");
    try {
      const changed = await request<UserRecord>("PATCH", apiPath("/api/users", name), body);
      setUser(changed);
      setNote(done);
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    void change({ display_name: displayName, email }, "Saved.");
  };

  const remove = () =>
    setConfirming({
      title: `Delete user ${name}?`,
      message: `${name} loses their tokens, group memberships and grants. This cannot be undone.`,
      action: "Delete user",
      run: async () => {
        await request<void>("DELETE", apiPath("/api/users", name));
        onDeleted();
      },
    });

  return (
    <AdminPanel title={`User ${user.name}`} close="/admin/users">
      <p className="muted">
        {user.disabled ? "Disabled" : "Enabled"} · signs in with{" "}
        {user.auth_source === "local" ? "a Baton password" : "their host account"} · created{" "}
        {when(user.created_at)} · groups: {user.groups.length ? user.groups.join(", ") : "none"} ·{" "}
        <Link to={`/admin/audit?actor=${encodeURIComponent(user.name)}`}>their audit trail</Link>
      </p>
      <form className="admin-form" aria-label={`Details of ${user.name}`} onSubmit={save}>
        <div className="admin-fields">
          <TextField label="Display name" value={displayName} onChange={setDisplayName} />
          <TextField label="Email" type="email" value={email} onChange={setEmail} />
        </div>
        <div className="admin-actions">
          <button type="submit">Save</button>
          {!self &&
            (user.disabled ? (
              <button type="button" onClick={() => void change({ disabled: false }, "Account enabled.")}>
                Enable account
              </button>
            ) : (
              <button type="button" onClick={() => void change({ disabled: true }, "Account disabled.")}>
                Disable account
              </button>
            ))}
          {!self && (
            <button type="button" className="admin-danger" onClick={remove}>
              Delete user
            </button>
          )}
        </div>
        <FormProblem error={error} labels={{ display_name: "Display name", email: "Email" }} />
        <FormNote note={note} />
      </form>
      {user.auth_source === "local" && <UserPassword name={user.name} />}
      <Confirm confirmation={confirming} onClose={() => setConfirming(null)} />
    </AdminPanel>
  );
}
