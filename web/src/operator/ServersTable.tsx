import { Problem } from "../components/Problem";
import { ConfirmAction } from "./ConfirmAction";
import { duration } from "./format";
import { paths } from "./operatorApi";
import { STOPPABLE, stopped } from "./stopping";
import type { Act, ServerView, StopResult } from "./types";
import type { Loaded } from "./useOperatorData";

/** The server processes of this host's spawner, with stop, kill and quiesce. */
export function ServersTable({ servers, act }: { servers: Loaded<ServerView[]>; act: Act }) {
  const list = servers.value;
  return (
    <section aria-labelledby="operator-servers-title">
      <h2 id="operator-servers-title">Servers of this host</h2>
      <Problem error={servers.error} />
      {list === null ? (
        servers.error ? null : <p role="status">Loading servers…</p>
      ) : list.length === 0 ? (
        <p>No server runs on this host now.</p>
      ) : (
        <div className="operator-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Definition</th>
                <th scope="col">State</th>
                <th scope="col">PID</th>
                <th scope="col">Address</th>
                <th scope="col">Uptime</th>
                <th scope="col">Clients</th>
                <th scope="col">Uses</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((server) => (
                <tr key={server.id}>
                  <th scope="row">{server.id}</th>
                  <td>{server.definition}</td>
                  <td>
                    <span className={`operator-state operator-state-${server.state.toLowerCase()}`}>
                      {server.state}
                    </span>
                    {server.draining && <span className="muted"> draining</span>}
                    {server.failures > 0 && (
                      <span className="muted"> {server.failures} failures in a row</span>
                    )}
                    {server.problem && <div className="error">{server.problem}</div>}
                  </td>
                  <td>{server.pid ?? "—"}</td>
                  <td>{server.address ?? "—"}</td>
                  <td>{duration(server.uptime)}</td>
                  <td>{server.clients}</td>
                  <td>{server.uses}</td>
                  <td>
                    <div className="operator-actions">
                      {STOPPABLE.has(server.state) && (
                        <>
                          <ConfirmAction
                            label="Stop"
                            target={server.id}
                            question={`Really stop ${server.id}?`}
                            danger
                            onConfirm={() =>
                              act<StopResult>(
                                `stop ${server.id}`,
                                paths.server(server.id, "stop"),
                                stopped,
                              )
                            }
                          />
                          <ConfirmAction
                            label="Kill"
                            target={server.id}
                            question={`Really kill ${server.id} (SIGKILL)?`}
                            danger
                            onConfirm={() =>
                              act<StopResult>(
                                `kill ${server.id}`,
                                paths.server(server.id, "kill"),
                                stopped,
                              )
                            }
                          />
                        </>
                      )}
                      {server.state === "RUNNING" && !server.draining && (
                        <ConfirmAction
                          label="Quiesce"
                          target={server.id}
                          question={`Quiesce ${server.id}? It stops once its clients left.`}
                          onConfirm={() =>
                            act<ServerView>(
                              `quiesce ${server.id}`,
                              paths.server(server.id, "quiesce"),
                              (answer) =>
                                `Server ${answer.id} is quiesced: it stops once its clients left.`,
                            )
                          }
                        />
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
