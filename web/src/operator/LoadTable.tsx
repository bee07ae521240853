import { Problem } from "../components/Problem";
import { seconds } from "./format";
import type { DispatcherStatus, PoolServer, ServiceStatus } from "./types";
import type { Loaded } from "./useOperatorData";

/** A service's LOADSTAT figures, summed over its servers. */
export function serviceLoad(service: ServiceStatus) {
  const servers = service.servers;
  const live = servers.filter((server) => server.state !== "STOPPED");
  const requests = servers.reduce((sum, server) => sum + server.requests, 0);
  // A figure per request, over every server: each server's weighs by its requests.
  const weighted = (pick: (server: PoolServer) => number) =>
    requests
      ? servers.reduce((sum, server) => sum + pick(server) * server.requests, 0) / requests
      : 0;
  return {
    live: live.length,
    busy: servers.reduce((sum, server) => sum + server.active, 0),
    slots: live.reduce((sum, server) => sum + server.capacity, 0),
    requests,
    average: weighted((server) => server.average),
    longest: servers.reduce((most, server) => Math.max(most, server.longest), 0),
    waited: weighted((server) => server.waited_percent),
  };
}

/** Every live pool of the Application Dispatcher: servers, busy slots, queue, LOADSTAT. */
export function LoadTable({ dispatcher }: { dispatcher: Loaded<DispatcherStatus> }) {
  const status = dispatcher.value;
  return (
    <section aria-labelledby="operator-load-title">
      <h2 id="operator-load-title">Services (LOADSTAT)</h2>
      <Problem error={dispatcher.error} />
      {status === null ? (
        dispatcher.error ? null : <p role="status">Loading the dispatcher's pools…</p>
      ) : status.services.length === 0 ? (
        <p>No service has a live pool yet: a pool starts with its service's first request.</p>
      ) : (
        <>
          <div className="operator-scroll">
            <table>
              <caption className="visually-hidden">Pools by service</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Servers (min–max)</th>
                  <th scope="col">Busy slots</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Average</th>
                  <th scope="col">Longest</th>
                  <th scope="col">Waited</th>
                </tr>
              </thead>
              <tbody>
                {status.services.map((service) => {
                  const load = serviceLoad(service);
                  return (
                    <tr key={service.service}>
                      <th scope="row">
                        {service.service}
                        {service.stopping && <span className="muted"> stopping</span>}
                      </th>
                      <td>{service.kind}</td>
                      <td>
                        {load.live} ({service.min_servers}–{service.max_servers})
                      </td>
                      <td>
                        {load.busy} of {load.slots}
                      </td>
                      <td className={service.queue ? "operator-queued" : undefined}>
                        {service.queue}
                      </td>
                      <td>{load.requests}</td>
                      <td>{seconds(load.average)}</td>
                      <td>{seconds(load.longest)}</td>
                      <td>{load.waited.toFixed(0)}%</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <details className="operator-details">
            <summary>Servers of the pools</summary>
            <div className="operator-scroll">
              <table>
                <caption className="visually-hidden">Servers of the pools (LOADSTAT)</caption>
                <thead>
                  <tr>
                    <th scope="col">Server</th>
                    <th scope="col">Service</th>
                    <th scope="col">State</th>
                    <th scope="col">PID</th>
                    <th scope="col">Busy</th>
                    <th scope="col">Sessions</th>
                    <th scope="col">Requests</th>
                    <th scope="col">Average</th>
                    <th scope="col">Longest</th>
                    <th scope="col">Waited</th>
                    <th scope="col">Average wait</th>
                  </tr>
                </thead>
                <tbody>
                  {status.services.flatMap((service) =>
                    service.servers.map((server) => (
                      <tr key={`${service.service}/${server.server_id}`}>
                        <th scope="row">{server.server_id}</th>
                        <td>{service.service}</td>
                        <td>{server.state}</td>
                        <td>{server.pid ?? "—"}</td>
                        <td>
                          {server.active} of {server.capacity}
                        </td>
                        <td>{server.sessions}</td>
                        <td>{server.requests}</td>
                        <td>{seconds(server.average)}</td>
                        <td>{seconds(server.longest)}</td>
                        <td>{server.waited_percent.toFixed(0)}%</td>
                        <td>{seconds(server.average_wait)}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
