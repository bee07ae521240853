import { when } from "./adminApi";
import type { Applying } from "./grants";

interface Props {
  grants: Applying[];
  onRevoke: (item: Applying) => void;
}

/** Who holds which action, and through which grant; each row with its Revoke button. */
export function GrantTable({ grants, onRevoke }: Props) {
  if (grants.length === 0) return <p>No grant applies: only administrators may act on it.</p>;
  return (
    <table className="admin-table">
      <caption className="visually-hidden">Grants</caption>
      <thead>
        <tr>
          <th scope="col">Holder</th>
          <th scope="col">Action</th>
          <th scope="col">Granted on</th>
          <th scope="col">Granted by</th>
          <th scope="col">When</th>
          <th scope="col">
            <span className="visually-hidden">Revoke</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {grants.map(({ grant, through }) => (
          <tr key={grant.id}>
            <th scope="row">
              {grant.principal_kind} {grant.principal}
            </th>
            <td>{grant.action}</td>
            <td>
              {grant.resource_kind} {grant.resource_name}
              {through && (
                <span className="muted" title={`covers ${through}`}>
                  {" "}
                  — inherited
                </span>
              )}
            </td>
            <td>{grant.granted_by}</td>
            <td>{when(grant.created_at)}</td>
            <td>
              <button
                type="button"
                aria-label={`Revoke ${grant.action} on ${grant.resource_kind} ${grant.resource_name} from ${grant.principal_kind} ${grant.principal}`}
                onClick={() => onRevoke({ grant, through })}
              >
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
