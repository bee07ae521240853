import { Problem } from "../components/Problem";
import { nodeOfIssue } from "./issues";
import type { Issue, JobDocument, Selection } from "./types";

interface Props {
  doc: JobDocument;
  issues: Issue[] | null;
  checking: boolean;
  error: unknown;
  /** Why the issues may not be those of the document shown. */
  note?: string;
  onSelect: (selection: Selection) => void;
}

/** What validation found, as a table: clicking a node's issue selects the node. */
export function IssuesList({ doc, issues, checking, error, note, onSelect }: Props) {
  const errors = issues?.filter((issue) => issue.severity === "error").length ?? 0;
  const warnings = (issues?.length ?? 0) - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const counted = `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
  return (
    <section className="designer-issues" aria-labelledby="designer-issues-title">
      <h2 id="designer-issues-title" className="visually-hidden">
        Issues
      </h2>
      <p role="status" className="designer-issues__summary">
        {checking
          ? "Checking…"
          : issues === null
            ? ""
            : issues.length === 0
              ? "No issue: the job can run."
              : `${counted}${errors ? ": the job cannot run until they are fixed." : "."}`}
      </p>
      {note && <p className="muted">{note}</p>}
      <Problem error={error} />
      {issues && issues.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Code</th>
              <th scope="col">Node</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {issues.map((issue, index) => {
              const node = nodeOfIssue(doc, issue);
              return (
                <tr key={index} className={`designer-issue designer-issue--${issue.severity}`}>
                  <td>{issue.severity}</td>
                  <td className="designer-code">{issue.code}</td>
                  <td>
                    {node ? (
                      <button
                        type="button"
                        className="designer-link"
                        onClick={() => onSelect({ type: "node", id: node })}
                        aria-label={`Select node ${node}`}
                      >
                        {node}
                      </button>
                    ) : (
                      <span className="muted">{issue.path || "job"}</span>
                    )}
                  </td>
                  <td>{issue.message}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
