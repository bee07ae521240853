import { Problem } from "../components/Problem";
import { ConfirmAction } from "./ConfirmAction";
import { byState } from "./format";
import { paths } from "./operatorApi";
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
    <ConfirmAction
      label={label}
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
  const list = definitions.value;
  return (
    <section aria-labelledby="operator-definitions-title">
      <div className="operator-heading">
        <h2 id="operator-definitions-title">Server definitions</h2>
        <ConfirmAction
          label="Refresh definitions"
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
      <Problem error={definitions.error} />
      {list === null ? (
        definitions.error ? null : <p role="status">Loading definitions…</p>
      ) : list.length === 0 ? (
        <p>This host runs no server definition.</p>
      ) : (
        <div className="operator-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Definition</th>
                <th scope="col">Service</th>
                <th scope="col">Kind</th>
                <th scope="col">Condition</th>
                <th scope="col">Servers</th>
                <th scope="col">Waiting</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
