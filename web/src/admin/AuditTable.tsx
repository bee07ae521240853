import { Link } from "react-router-dom";

import { RESOURCE_KINDS, when, type AuditRecord } from "./adminApi";

const PAGES: Record<string, string> = {
  user: "/admin/users/",
  group: "/admin/groups/",
  role: "/admin/roles/",
  credential: "/admin/credentials/",
};

/** An audited resource ("program:sample.add", "user:ada"), linked to its page here if any. */
function Resource({ resource }: { resource: string }) {
  const colon = resource.indexOf(":");
  const kind = resource.slice(0, colon);
  const name = resource.slice(colon + 1);
  if (colon > 0 && kind in PAGES) return <Link to={PAGES[kind] + encodeURIComponent(name)}>{resource}</Link>;
  if (colon > 0 && RESOURCE_KINDS.some((item) => item === kind)) {
    const search = new URLSearchParams({ kind, name });
    return <Link to={`/admin/permissions?${search}`}>{resource}</Link>;
  }
  return <>{resource}</>;
}

function detailWords(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("; ");
}

/** Audit events, newest first, as the API gives them. */
export function AuditTable({ events }: { events: AuditRecord[] }) {
  if (events.length === 0) return <p>No event matches.</p>;
  return (
    <table className="admin-table">
      <caption className="visually-hidden">Audit events, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Resource</th>
          <th scope="col">Outcome</th>
          <th scope="col">From</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id}>
            <td>
              <time dateTime={event.at}>{when(event.at)}</time>
            </td>
            <td>{event.actor || <span className="muted">anonymous</span>}</td>
            <td>{event.action}</td>
            <td>
              <Resource resource={event.resource} />
            </td>
            <td className={`admin-outcome admin-outcome-${event.outcome}`}>{event.outcome}</td>
            <td>{event.remote_addr}</td>
            <td className="admin-detail">{detailWords(event.detail)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
