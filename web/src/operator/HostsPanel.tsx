import { Problem } from "../components/Problem";
import { ConfirmAction } from "./ConfirmAction";
import { duration } from "./format";
import { paths } from "./operatorApi";
import { STOPPABLE, stopped } from "./stopping";
import type { Act, HostView, StopResult } from "./types";
import type { Loaded } from "./useOperatorData";

function HostServers({ host, act }: { host: HostView; act: Act }) {
  if (host.servers.length === 0) {
    return host.error ? null : <p>No server runs on {host.name} now.</p>;
  }
  return (
    <div className="operator-scroll">
      <table>
        <caption className="visually-hidden">Servers of {host.name}</caption>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Definition</th>
            <th scope="col">State</th>
            <th scope="col">PID</th>
            <th scope="col">Uptime</th>
            <th scope="col">Clients</th>
            <th scope="col">Uses</th>
            <th scope="col">Cost</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
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
                    {STOPPABLE.has(server.state) && (
                      <>
                        <ConfirmAction
                          label="Stop"
                          target={target}
                          question={`Really stop ${target}?`}
                          danger
                          onConfirm={() =>
                            act<StopResult>(
                              `stop ${target}`,
                              paths.remoteServer(host.name, server.id, "stop"),
                              stopped,
                            )
                          }
                        />
                        <ConfirmAction
                          label="Kill"
                          target={target}
                          question={`Really kill ${target} (SIGKILL)?`}
                          danger
                          onConfirm={() =>
                            act<StopResult>(
                              `kill ${target}`,
                              paths.remoteServer(host.name, server.id, "kill"),
                              stopped,
                            )
                          }
                        />
                      </>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The spawners of other hosts that joined this control plane, and their servers. */
export function HostsPanel({ hosts, act }: { hosts: Loaded<HostView[]>; act: Act }) {
  const list = hosts.value;
  return (
    <section aria-labelledby="operator-hosts-title">
      <h2 id="operator-hosts-title">Other hosts</h2>
      <Problem error={hosts.error} />
      {list === null ? (
        hosts.error ? null : <p role="status">Loading hosts…</p>
      ) : list.length === 0 ? (
        <p>No other host's spawner has joined: this host runs every server.</p>
      ) : (
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
      )}
    </section>
  );
}
