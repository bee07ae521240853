import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";

import { FormProblem } from "./FormProblem";
import { Pager } from "./Pager";
import { RoleForm } from "./RoleForm";
import { RolePanel } from "./RolePanel";
import type { RoleRecord } from "./adminApi";
import { usePaged } from "./usePaged";

const rolePath = (name: string) => `/admin/roles/${encodeURIComponent(name)}`;

/** Roles: each with its capabilities and holders, a new role, the chosen role (/admin/roles/NAME). */
export function Roles() {
  const { name } = useParams();
  const navigate = useNavigate();
  const roles = usePaged<RoleRecord>("/api/roles");
  const [creating, setCreating] = useState(false);

  return (
    <section aria-labelledby="admin-roles-title">
      <div className="admin-head">
        <h2 id="admin-roles-title">Roles</h2>
        <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New role
        </button>
      </div>
      {creating && (
        <RoleForm
          onCancel={() => setCreating(false)}
          onSaved={(role) => {
            setCreating(false);
            roles.reload();
            navigate(rolePath(role.name));
          }}
        />
      )}
      {name && (
        <RolePanel
          key={name}
          name={name}
          onChanged={roles.reload}
          onDeleted={() => {
            roles.reload();
            navigate("/admin/roles");
          }}
        />
      )}
      <FormProblem error={roles.error} />
      {roles.page === null ? (
        !roles.error && <p role="status">Loading roles…</p>
      ) : (
        <>
          <table className="admin-table">
            <caption className="visually-hidden">Roles</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Capabilities</th>
                <th scope="col">Users</th>
                <th scope="col">Groups</th>
              </tr>
            </thead>
            <tbody>
              {roles.page.items.map((role) => (
                <tr key={role.id} aria-current={role.name === name ? "true" : undefined}>
                  <th scope="row">
                    <Link to={rolePath(role.name)}>{role.name}</Link>
                    {role.builtin && <span className="muted"> (built in)</span>}
                  </th>
                  <td>{role.description}</td>
                  <td>{role.capabilities.join(", ") || "—"}</td>
                  <td>{role.users.join(", ") || "—"}</td>
                  <td>{role.groups.join(", ") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={roles.page} noun={["role", "roles"]} onOffset={roles.setOffset} />
        </>
      )}
    </section>
  );
}
