import { useEffect, useId, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";

import { request, type Me } from "../api";
import { Confirm, type Confirmation } from "./Confirm";
import { FormProblem } from "./FormProblem";
import { UserPassword } from "./UserPassword";
import { apiPath, when, type UserRecord } from "./adminApi";

interface Props {
  name: string;
  me: Me;
  onChanged: () => void;
  onDeleted: () => void;
}

/** One user: display name and email, enable / disable, password, delete. Administrators
 * cannot disable or delete themselves (the API refuses): those controls are not shown. */
export function UserEditor({ name, me, onChanged, onDeleted }: Props) {
  const id = useId();
  const [user, setUser] = useState<UserRecord | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState<Confirmation | null>(null);
  const self = name === me.user.name;

  useEffect(() => {
    let live = true;
    request<UserRecord>("GET", apiPath("/api/users", name)).then(
      (found) => {
        if (!live) return;
        setUser(found);
        setDisplayName(found.display_name);
        setEmail(found.email);
      },
      (failure: unknown) => live && setLoadError(failure),
    );
    return () => {
      live = false;
    };
  }, [name]);

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
    <section className="admin-panel" aria-labelledby={`${id}-title`}>
      <div className="admin-panel-head">
        <h3 id={`${id}-title`}>User {user.name}</h3>
        <Link to="/admin/users">Close</Link>
      </div>
      <p className="muted">
        {user.disabled ? "Disabled" : "Enabled"} · signs in with{" "}
        {user.auth_source === "local" ? "a Baton password" : "their host account"} · created{" "}
        {when(user.created_at)} · groups: {user.groups.length ? user.groups.join(", ") : "none"} ·{" "}
        <Link to={`/admin/audit?actor=${encodeURIComponent(user.name)}`}>their audit trail</Link>
      </p>
      <form className="admin-form" aria-label={`Details of ${user.name}`} onSubmit={save}>
        <div className="admin-fields">
          <label>
            Display name
            <input value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
          </label>
          <label>
            Email
            <input type="email" value={email} onChange={(event) => setEmail(event.target.value)} />
          </label>
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
        {note && (
          <p role="status" className="admin-note">
            {note}
          </p>
        )}
      </form>
      {user.auth_source === "local" && <UserPassword name={user.name} />}
      <Confirm confirmation={confirming} onClose={() => setConfirming(null)} />
    </section>
  );
}
