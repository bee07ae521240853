import { ConfirmButton } from "../components/ConfirmButton";
import { byState } from "./format";
import { LoadedView } from "./LoadedView";
import { CHANGE } from "./looks";
import { paths } from "./operatorApi";
import { Table } from "./Table";
import type { Act, DefinitionView, RefreshResult } from "./types";
import type { Loaded } from "./useOperatorData";

type Verb = "pause" | "resume" | "quiesce" | "unquiesce" | "reset";

function condition(definition: DefinitionView): string {
  if (definition.failed) return `FAILED: ${definition.failed}`;
  const switches = [definition.paused && "paused", definition.quiesced && "quiesced"];
  const on = switches.filter(Boolean).join(", ");
  return on || "active";
}

function Switch({
  definition,
  verb,
  label,
  question,
  act,
}: {
  definition: DefinitionView;
  verb: Verb;
  label: string;
  question: string;
  act: Act;
}) {
  const name = definition.name;
  return (
    <ConfirmButton
      label={label}
      look={CHANGE}
      target={name}
      question={question}
      onConfirm={() =>
        act<DefinitionView>(`${verb} ${name}`, paths.definition(name, verb), (answer) =>
          `Definition ${answer.name} is now ${condition(answer)}.`,
        )
      }
    />
  );
}

/** The server definitions this host's spawner runs, with pause, quiesce, reset and refresh. */
export function DefinitionsTable({
  definitions,
  act,
}: {
  definitions: Loaded<DefinitionView[]>;
  act: Act;
}) {
  return (
    <section aria-labelledby="operator-definitions-title">
      <div className="operator-heading">
        <h2 id="operator-definitions-title">Server definitions</h2>
        <ConfirmButton
          label="Refresh definitions"
          look={CHANGE}
          target="from the registry"
          question="Read every server definition again from the registry?"
          onConfirm={() =>
            act<RefreshResult>("refresh the definitions", paths.refresh(), (answer) =>
              answer.definitions.length
                ? `Definitions read again: ${answer.definitions.join(", ")}.`
                : "Definitions read again: none is in effect.",
            )
          }
        />
      </div>
      <LoadedView
        loaded={definitions}
        loading="Loading definitions…"
        empty={<p>This host runs no server definition.</p>}
      >
        {(list) => (
          <Table columns={["Definition", "Service", "Kind", "Condition", "Servers", "Waiting", "Actions"]}>
            {list.map((definition) => {
              const name = definition.name;
              return (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{definition.service ?? "—"}</td>
                  <td>{definition.kind}</td>
                  <td>
                    <span className={definition.failed ? "error" : undefined}>
                      {condition(definition)}
                    </span>
                    {definition.problem && <div className="error">{definition.problem}</div>}
                  </td>
                  <td>{byState(definition.states)}</td>
                  <td>{definition.waiting}</td>
                  <td>
                    <div className="operator-actions">
                      {definition.paused ? (
                        <Switch
                          definition={definition}
                          verb="resume"
                          label="Resume"
                          question={`Resume ${name}?`}
                          act={act}
                        />
                      ) : (
                        <Switch
                          definition={definition}
                          verb="pause"
                          label="Pause"
                          question={`Pause ${name}? New clients wait.`}
                          act={act}
                        />
                      )}
                      {definition.quiesced ? (
                        <Switch
                          definition={definition}
                          verb="unquiesce"
                          label="Unquiesce"
                          question={`Undo quiesce on ${name}?`}
                          act={act}
                        />
                      ) : (
                        <Switch
                          definition={definition}
                          verb="quiesce"
                          label="Quiesce"
                          question={`Quiesce ${name}? Its servers stop once their clients left.`}
                          act={act}
                        />
                      )}
                      {definition.failed !== null && (
                        <Switch
                          definition={definition}
                          verb="reset"
                          label="Reset"
                          question={`Reset ${name}? Its servers start again.`}
                          act={act}
                        />
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
      </LoadedView>
    </section>
  );
}
