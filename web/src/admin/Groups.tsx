import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";

import { FormProblem } from "./FormProblem";
import { GroupCreateForm } from "./GroupCreateForm";
import { GroupPanel } from "./GroupPanel";
import { Pager } from "./Pager";
import type { GroupRecord } from "./adminApi";
import { usePaged } from "./usePaged";

const groupPath = (name: string) => `/admin/groups/${encodeURIComponent(name)}`;

/** Groups: the list with members, a new group, and the chosen group (/admin/groups/NAME). */
export function Groups() {
  const { name } = useParams();
  const navigate = useNavigate();
  const groups = usePaged<GroupRecord>("/api/groups");
  const [creating, setCreating] = useState(false);

  return (
    <section aria-labelledby="admin-groups-title">
      <div className="admin-head">
        <h2 id="admin-groups-title">Groups</h2>
        <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New group
        </button>
      </div>
      {creating && (
        <GroupCreateForm
          onCancel={() => setCreating(false)}
          onCreated={(group) => {
            setCreating(false);
            groups.reload();
            navigate(groupPath(group.name));
          }}
        />
      )}
      {name && (
        <GroupPanel
          key={name}
          name={name}
          onChanged={groups.reload}
          onDeleted={() => {
            groups.reload();
            navigate("/admin/groups");
          }}
        />
      )}
      <FormProblem error={groups.error} />
      {groups.page === null ? (
        !groups.error && <p role="status">Loading groups…</p>
      ) : (
        <>
          <table className="admin-table">
            <caption className="visually-hidden">Groups</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Members</th>
              </tr>
            </thead>
            <tbody>
              {groups.page.items.map((group) => (
                <tr key={group.id} aria-current={group.name === name ? "true" : undefined}>
                  <th scope="row">
                    <Link to={groupPath(group.name)}>{group.name}</Link>
                  </th>
                  <td>{group.description}</td>
                  <td>{group.builtin ? <span className="muted">built in (implicit)</span> : group.members.join(", ") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={groups.page} noun={["group", "groups"]} onOffset={groups.setOffset} />
        </>
      )}
    </section>
  );
}
