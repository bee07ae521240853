import { ConfirmButton } from "../components/ConfirmButton";
import { duration } from "./format";
import { LoadedView } from "./LoadedView";
import { CHANGE } from "./looks";
import { paths } from "./operatorApi";
import { StopButtons } from "./StopButtons";
import { Table } from "./Table";
import type { Act, ServerView } from "./types";
import type { Loaded } from "./useOperatorData";

/** The server processes of this host's spawner, with stop, kill and quiesce. */
export function ServersTable({ servers, act }: { servers: Loaded<ServerView[]>; act: Act }) {
  return (
    <section aria-labelledby="operator-servers-title">
      <h2 id="operator-servers-title">Servers of this host</h2>
      <LoadedView loaded={servers} loading="Loading servers…" empty={<p>No server runs on this host now.</p>}>
        {(list) => (
          <Table
            columns={[
              "Server", "Definition", "State", "PID", "Address", "Uptime", "Clients", "Uses",
              "Actions"
            ]}
          >
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
                    <StopButtons
                      state={server.state}
                      target={server.id}
                      path={(verb) => paths.server(server.id, verb)}
                      act={act}
                    />
                    {server.state === "RUNNING" && !server.draining && (
                      <ConfirmButton
                        label="Quiesce"
                        look={CHANGE}
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
          </Table>
        )}
      </LoadedView>
    </section>
  );
}
