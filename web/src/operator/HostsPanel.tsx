import { duration } from "./format";
import { LoadedView } from "./LoadedView";
import { paths } from "./operatorApi";
import { StopButtons } from "./StopButtons";
import { Table } from "./Table";
import type { Act, HostView } from "./types";
import type { Loaded } from "./useOperatorData";

function HostServers({ host, act }: { host: HostView; act: Act }) {
  if (host.servers.length === 0) {
    return host.error ? null : <p>No server runs on {host.name} now.</p>;
  }
  return (
    <Table
      caption={`Servers of ${host.name}`}
      columns={[
        "Server", "Definition", "State", "PID", "Uptime", "Clients", "Uses", "Cost", "Actions"
      ]}
    >
      {host.servers.map((server) => {
        const target = `${server.id} on ${host.name}`;
        return (
          <tr key={server.id}>
            <th scope="row">{server.id}</th>
            <td>{server.definition}</td>
            <td>
              {server.state}
              {server.problem && <div className="error">{server.problem}</div>}
            </td>
            <td>{server.pid ?? "—"}</td>
            <td>{duration(server.uptime)}</td>
            <td>{server.clients}</td>
            <td>{server.uses}</td>
            <td>{server.cost}</td>
            <td>
              <div className="operator-actions">
                <StopButtons
                  state={server.state}
                  target={target}
                  path={(verb) => paths.remoteServer(host.name, server.id, verb)}
                  act={act}
                />
              </div>
            </td>
          </tr>
        );
      })}
    </Table>
  );
}

/** The spawners of other hosts that joined this control plane, and their servers. */
export function HostsPanel({ hosts, act }: { hosts: Loaded<HostView[]>; act: Act }) {
  return (
    <section aria-labelledby="operator-hosts-title">
      <h2 id="operator-hosts-title">Other hosts</h2>
      <LoadedView
        loaded={hosts}
        loading="Loading hosts…"
        empty={<p>No other host's spawner has joined: this host runs every server.</p>}
      >
        {(list) =>
          list.map((host) => (
            <article key={host.name} aria-labelledby={`operator-host-${host.name}`}>
              <h3 id={`operator-host-${host.name}`}>{host.name}</h3>
              <p className="muted">
                Spawner at {host.url}; last joined {duration(host.silent)} ago; {host.clients}{" "}
                clients, cost {host.cost}.
              </p>
              {host.error && <p className="error">Its servers could not be listed: {host.error}</p>}
              <HostServers host={host} act={act} />
            </article>
          ))
        }
      </LoadedView>
    </section>
  );
}
