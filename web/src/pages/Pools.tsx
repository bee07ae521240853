import { useEffect, useState } from "react";

import { request } from "../api";
import { Problem } from "../components/Problem";

interface ServerStatus {
  server_id: string;
  state: string;
  active: number;
  capacity: number;
}

interface ServiceStatus {
  service: string;
  kind: string;
  queue: number;
  stopping: boolean;
  servers: ServerStatus[];
}

/** Each live pool: servers busy and idle, requests waiting (operators: GET /api/dispatcher). */
export function Pools() {
  const [services, setServices] = useState<ServiceStatus[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    const load = () =>
      request<{ services: ServiceStatus[] }>("GET", "/api/dispatcher").then(
        (status) => current && (setServices(status.services), setError(null)),
        (failure: unknown) => current && setError(failure),
      );
    void load();
    const timer = window.setInterval(() => void load(), 5000);
    return () => {
      current = false;
      window.clearInterval(timer);
    };
  }, []);
  if (error) return <Problem error={error} />;
  if (services === null) return <p role="status">Loading…</p>;
  if (services.length === 0) return <p className="muted">No pool has started yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">Live pools</caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Servers</th>
          <th scope="col">Busy</th>
          <th scope="col">Idle</th>
          <th scope="col">Queued requests</th>
        </tr>
      </thead>
      <tbody>
        {services.map((service) => {
          const busy = service.servers.filter((server) => server.active > 0).length;
          return (
            <tr key={service.service}>
              <td>
                {service.service}
                {service.stopping && <span className="muted"> (stopping)</span>}
              </td>
              <td>{service.servers.length}</td>
              <td>{busy}</td>
              <td>{service.servers.length - busy}</td>
              <td>{service.queue}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
