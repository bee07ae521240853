import { seconds } from "./format";
import { LoadedView } from "./LoadedView";
import { Table } from "./Table";
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
  return (
    <section aria-labelledby="operator-load-title">
      <h2 id="operator-load-title">Services (LOADSTAT)</h2>
      <LoadedView
        loaded={dispatcher}
        loading="Loading the dispatcher's pools…"
        empty={<p>No service has a live pool yet: a pool starts with its service's first request.</p>}
        isEmpty={(status) => status.services.length === 0}
      >
        {(status) => (
          <>
            <Table
              caption="Pools by service"
              columns={[
                "Service", "Kind", "Servers (min–max)", "Busy slots", "Queue", "Requests",
                "Average", "Longest", "Waited"
              ]}
            >
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
            </Table>
            <details className="operator-details">
              <summary>Servers of the pools</summary>
              <Table
                caption="Servers of the pools (LOADSTAT)"
                columns={[
                  "Server", "Service", "State", "PID", "Busy", "Sessions", "Requests", "Average",
                  "Longest", "Waited", "Average wait"
                ]}
              >
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
              </Table>
            </details>
          </>
        )}
      </LoadedView>
    </section>
  );
}
