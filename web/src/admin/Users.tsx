import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";

import type { Me } from "../api";
import { FormProblem } from "./FormProblem";
import { Pager } from "./Pager";
import { UserCreateForm } from "./UserCreateForm";
import { UserEditor } from "./UserEditor";
import { when, type UserRecord } from "./adminApi";
import { usePaged } from "./usePaged";

const userPath = (name: string) => `/admin/users/${encodeURIComponent(name)}`;

/** Users: the paged list (narrowed by a search of names, display names and emails), opening
 * one by its exact name, a new user, and the chosen user's editor (/admin/users/NAME). */
export function Users({ me }: { me: Me }) {
  const { name } = useParams();
  const navigate = useNavigate();
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  const users = usePaged<UserRecord>("/api/users", { q });
  const [creating, setCreating] = useState(false);
  const [wanted, setWanted] = useState("");

  useEffect(() => {
    const timer = window.setTimeout(() => setQ(search.trim()), 300);
    return () => window.clearTimeout(timer);
  }, [search]);

  const find = (event: FormEvent) => {
    event.preventDefault();
    if (wanted.trim()) navigate(userPath(wanted.trim()));
  };

  return (
    <section aria-labelledby="admin-users-title">
      <div className="admin-head">
        <h2 id="admin-users-title">Users</h2>
        <form role="search" className="admin-inline" onSubmit={find}>
          <label>
            Find a user by name
            <input value={wanted} onChange={(event) => setWanted(event.target.value)} />
          </label>
          <button type="submit">Find</button>
        </form>
        <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New user
        </button>
      </div>
      {creating && (
        <UserCreateForm
          onCancel={() => setCreating(false)}
          onCreated={(user) => {
            setCreating(false);
            users.reload();
            navigate(userPath(user.name));
          }}
        />
      )}
      {name && (
        <UserEditor
          key={name}
          name={name}
          me={me}
          onChanged={users.reload}
          onDeleted={() => {
            users.reload();
            navigate("/admin/users");
          }}
        />
      )}
      <label className="admin-search">
        Search users
        <input
          type="search"
          value={search}
          placeholder="name, display name or email"
          onChange={(event) => setSearch(event.target.value)}
        />
      </label>
      <FormProblem error={users.error} />
      {users.page === null ? (
        !users.error && <p role="status">Loading users…</p>
      ) : (
        <>
          <table className="admin-table">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Display name</th>
                <th scope="col">Email</th>
                <th scope="col">Signs in with</th>
                <th scope="col">Groups</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.page.items.map((user) => (
                <tr key={user.id} aria-current={user.name === name ? "true" : undefined}>
                  <th scope="row">
                    <Link to={userPath(user.name)}>{user.name}</Link>
                  </th>
                  <td>{user.display_name}</td>
                  <td>{user.email}</td>
                  <td>{user.auth_source === "local" ? "password" : "host"}</td>
                  <td>{user.groups.join(", ")}</td>
                  <td className={user.disabled ? "admin-off" : ""}>{user.disabled ? "Disabled" : "Enabled"}</td>
                  <td>{when(user.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={users.page} noun={["user", "users"]} onOffset={users.setOffset} />
        </>
      )}
    </section>
  );
}
