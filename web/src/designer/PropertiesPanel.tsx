import { EdgePanel } from "./EdgePanel";
import { nodeOfIssue } from "./issues";
import { JobPanel } from "./JobPanel";
import { NodePanel } from "./NodePanel";
import { endScope, scopeAt } from "./scope";
import type { Issue, JobDocument, Selection } from "./types";
import type { Catalog } from "./useCatalog";
import type { NodePorts } from "./usePorts";

interface Props {
  doc: JobDocument;
  selection: Selection;
  ports: NodePorts;
  issues: Issue[];
  catalog: Catalog;
  readOnly: boolean;
  isNew: boolean;
  onChange: (doc: JobDocument) => void;
  onSelect: (selection: Selection) => void;
}

/** The right-hand panel: the selected node's or edge's properties, or the job's. */
export function PropertiesPanel(props: Props) {
  const { doc, selection, ports, issues, catalog, readOnly, isNew, onChange, onSelect } = props;
  let body;
  const node = selection?.type === "node" ? doc.nodes.find((n) => n.id === selection.id) : undefined;
  if (node) {
    body = (
      <NodePanel
        key={node.id}
        doc={doc}
        node={node}
        ports={ports.ports[node.id]}
        portsProblem={ports.problems[node.id]}
        scope={scopeAt(doc, node.id, ports.ports)}
        issues={issues.filter((issue) => nodeOfIssue(doc, issue) === node.id)}
        catalog={catalog}
        readOnly={readOnly}
        onChange={onChange}
        onSelect={onSelect}
      />
    );
  } else if (selection?.type === "edge" && doc.edges?.[selection.index]) {
    const from = doc.edges[selection.index].from;
    body = (
      <EdgePanel
        key={selection.index}
        doc={doc}
        index={selection.index}
        scope={scopeAt(doc, from, ports.ports, true)}
        readOnly={readOnly}
        onChange={onChange}
        onSelect={onSelect}
      />
    );
  } else {
    const scope = endScope(doc, ports.ports);
    body = <JobPanel doc={doc} isNew={isNew} endScope={scope} readOnly={readOnly} onChange={onChange} />;
  }
  return (
    <aside className="designer-properties" aria-labelledby="designer-properties-title">
      {body}
    </aside>
  );
}
