import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { AdminPanel } from "./AdminPanel";
import { Confirm, type Confirmation } from "./Confirm";
import { FormProblem } from "./FormProblem";
import { apiPath, type GroupRecord } from "./adminApi";
import { useNames } from "./useNames";
import { useRecord } from "./useRecord";

interface Props {
  name: string;
  onChanged: () => void;
  onDeleted: () => void;
}

/** One group: its members (add, remove) and deleting it. Built-in groups (PUBLIC,
 * AUTHENTICATED) have implicit members and cannot be deleted: no control is shown for that. */
export function GroupPanel({ name, onChanged, onDeleted }: Props) {
  const id = useId();
  const [member, setMember] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<Confirmation | null>(null);
  const path = apiPath("/api/groups", name);
  const { record: group, setRecord: setGroup, loadError } = useRecord<GroupRecord>(path);
  const users = useNames(group && !group.builtin ? "/api/users" : null);

  if (loadError) return <FormProblem error={loadError} />;
  if (group === null) return <p role="status">Loading group {name}…</p>;

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      setGroup(await request<GroupRecord>("PUT", apiPath(path + "/members", member.trim())));
      setMember("");
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };

  const removeMember = (user: string) =>
    setConfirming({
      title: `Remove ${user} from ${name}?`,
      message: `${user} loses what the group ${name} is allowed to do (unless granted otherwise).`,
      action: "Remove",
      run: async () => {
        setGroup(await request<GroupRecord>("DELETE", apiPath(path + "/members", user)));
        onChanged();
      },
    });

  const remove = () =>
    setConfirming({
      title: `Delete group ${name}?`,
      message: `The group and every grant given to it are deleted; its members stay.`,
      action: "Delete group",
      run: async () => {
        await request<void>("DELETE", path);
        onDeleted();
      },
    });

  return (
    <AdminPanel title={`Group ${group.name}`} close="/admin/groups">
      {group.description && <p>{group.description}</p>}
      {group.builtin ? (
        <p className="muted">
          A built-in group: {group.name === "PUBLIC" ? "everyone, signed in or not," : "every signed-in user"} is in it.
        </p>
      ) : (
        <>
          <h4>Members</h4>
          {group.members.length === 0 ? (
            <p>No member yet.</p>
          ) : (
            <ul className="admin-chips" aria-label={`Members of ${group.name}`}>
              {group.members.map((user) => (
                <li key={user}>
                  {user}{" "}
                  <button type="button" aria-label={`Remove ${user} from ${group.name}`} onClick={() => removeMember(user)}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form className="admin-inline" aria-label={`Add a member to ${group.name}`} onSubmit={(event) => void add(event)}>
            <label>
              User to add
              <input list={`${id}-users`} value={member} onChange={(event) => setMember(event.target.value)} required />
            </label>
            <datalist id={`${id}-users`}>
              {users
                .filter((user) => !group.members.includes(user))
                .map((user) => (
                  <option key={user} value={user} />
                ))}
            </datalist>
            <button type="submit">Add member</button>
          </form>
          <FormProblem error={error} labels={{ user: "User to add" }} />
          <div className="admin-actions">
            <button type="button" className="admin-danger" onClick={remove}>
              Delete group
            </button>
          </div>
        </>
      )}
      <Confirm confirmation={confirming} onClose={() => setConfirming(null)} />
    </AdminPanel>
  );
}
