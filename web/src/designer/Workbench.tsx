import { useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";

import type { Me } from "../api";
import { Problem } from "../components/Problem";
import { Canvas } from "./Canvas";
import { designApi } from "./designApi";
import { addNode, JOB_NAME, newNode } from "./document";
import { History } from "./History";
import { IssuesList } from "./IssuesList";
import { issuesByNode } from "./issues";
import { LockBar } from "./LockBar";
import { Palette } from "./Palette";
import { PropertiesPanel } from "./PropertiesPanel";
import { RunForm } from "./RunForm";
import { SaveBar } from "./SaveBar";
import { Tabs } from "./Tabs";
import type { JobDocument, PaletteItem, Position, Selection } from "./types";
import { useCatalog } from "./useCatalog";
import { useJobDocument } from "./useJobDocument";
import { useJobLock } from "./useJobLock";
import { usePorts } from "./usePorts";
import { useValidation } from "./useValidation";
import { YamlPane } from "./YamlPane";

const STORED_ISSUES = "These are the saved version's issues: checking changes needs the design_jobs capability.";

/** The designer of job `name` (null: a new job): palette, canvas, properties, and below them
 * the issues, the YAML, the history and the run form. */
export function Workbench({ me, name }: { me: Me; name: string | null }) {
  const may = (capability: string) =>
    me.capabilities.includes(capability) || me.capabilities.includes("administer");
  const canDesign = may("design_jobs");
  const navigate = useNavigate();
  const flow = useReactFlow();
  const canvasArea = useRef<HTMLDivElement>(null);
  const job = useJobDocument(name);
  const { doc, setDoc, view } = job;
  const { lock, breakLock } = useJobLock(
    job.openedLock || name === null ? name : null,
    me.user.name,
    job.openedLock?.holder ?? null,
    job.openedLock?.since ?? null,
  );
  const readOnly = name === null ? !canDesign : lock.state !== "mine";
  const [selection, setSelection] = useState<Selection>(null);
  const [tab, setTab] = useState("issues");
  // The YAML in a column beside the canvas (remembered), or in its tab below.
  const [beside, setBesideState] = useState(() => localStorage.getItem("baton.designer.beside") === "1");
  const setBeside = (on: boolean) => {
    localStorage.setItem("baton.designer.beside", on ? "1" : "0");
    setBesideState(on);
    if (on && tab === "yaml") setTab("issues");
  };
  const catalog = useCatalog(name);
  const ports = usePorts(doc);
  const validation = useValidation(doc, canDesign, name);
  const issues = useMemo(() => issuesByNode(doc, validation.issues ?? []), [doc, validation.issues]);

  // Closing the tab with unsaved changes asks first.
  useEffect(() => {
    if (!job.dirty || readOnly) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [job.dirty, readOnly]);

  const change = useCallback((next: JobDocument) => !readOnly && setDoc(next), [readOnly, setDoc]);

  const add = useCallback(
    (item: PaletteItem, position?: Position) => {
      if (readOnly) return;
      let at = position;
      if (!at) {
        const box = canvasArea.current?.getBoundingClientRect();
        const centre = box
          ? { x: box.left + box.width / 2, y: box.top + box.height / 2 }
          : { x: 300, y: 200 };
        const shift = (doc.nodes.length % 5) * 24;
        const flowAt = flow.screenToFlowPosition(centre);
        at = { x: flowAt.x - 80 + shift, y: flowAt.y - 30 + shift };
      }
      const node = newNode(doc, item, at);
      setDoc(addNode(doc, node));
      setSelection({ type: "node", id: node.id });
    },
    [doc, flow, readOnly, setDoc],
  );

  const save = async (comment: string) => {
    if (name === null) {
      const saved = await designApi.create(doc, comment);
      job.markSaved(saved.version);
      navigate(`/jobs/${encodeURIComponent(saved.name)}`, { replace: true });
      return saved;
    }
    const saved = await designApi.update(name, doc, comment);
    job.markSaved(saved.version);
    return saved;
  };

  if (job.loading) return <p role="status">Loading the job…</p>;
  if (job.error) {
    return (
      <>
        <h1>Job {name}</h1>
        <Problem error={job.error} />
      </>
    );
  }
  if (name === null && !canDesign) {
    return (
      <>
        <h1>New job</h1>
        <p role="alert">You may not design jobs: ask an administrator for the designer role.</p>
      </>
    );
  }

  const errors = (validation.issues ?? []).filter((issue) => issue.severity === "error").length;
  const nameProblem =
    name === null && !JOB_NAME.test(doc.name) ? "Name the job first (in the Job panel)." : "";
  const tabs = [
    {
      id: "issues",
      label: validation.issues === null ? "Issues" : `Issues (${validation.issues.length})`,
      content: (
        <IssuesList
          doc={doc}
          issues={validation.issues}
          checking={validation.checking}
          error={validation.error}
          note={canDesign ? "" : STORED_ISSUES}
          onSelect={setSelection}
        />
      ),
    },
  ];
  if (!beside) {
    tabs.push({ id: "yaml", label: "YAML", content: <YamlPane job={doc} onChange={change} readOnly={readOnly} /> });
  }
  if (name !== null && view) {
    tabs.push({
      id: "history",
      label: "History",
      content: <History name={name} canWrite={lock.state === "mine"} onRestored={() => void job.reload()} />,
    });
    tabs.push({
      id: "run",
      label: "Run",
      content: (
        <RunForm name={name} version={view.latest_version} inputs={job.saved.inputs ?? {}} unsaved={job.dirty} />
      ),
    });
  }

  return (
    <div className="designer">
      <div className="designer-top">
        <h1>
          {name === null ? "New job" : <span className="designer-code">{name}</span>}
          {view && <span className="designer-version"> version {view.latest_version}</span>}
          {errors > 0 && <span className="designer-flag">{errors === 1 ? "1 error" : `${errors} errors`}</span>}
        </h1>
        <LockBar
          lock={lock}
          canBreak={may("administer") || view?.owner === me.user.name}
          onBreak={() => void breakLock()}
        />
        {!readOnly && (
          <SaveBar isNew={name === null} dirty={job.dirty} canSave={!readOnly} blocked={nameProblem} onSave={save} />
        )}
        <label className="designer-beside">
          <input type="checkbox" checked={beside} onChange={(event) => setBeside(event.target.checked)} />
          YAML beside the graph
        </label>
        {name !== null && (
          <button type="button" onClick={() => setTab("run")} className="designer-primary">
            Run…
          </button>
        )}
      </div>
      <div
        className={[
          "designer-grid",
          readOnly ? "designer-grid--read-only" : "",
          beside ? "designer-grid--beside" : "",
        ].join(" ")}
      >
        {!readOnly && <Palette catalog={catalog} readOnly={readOnly} onAdd={(item) => add(item)} />}
        <section className="designer-centre" aria-label="Canvas" ref={canvasArea}>
          <Canvas
            doc={doc}
            issues={issues}
            selection={selection}
            readOnly={readOnly}
            onChange={change}
            onSelect={setSelection}
            onDropItem={add}
          />
        </section>
        {beside && (
          <section className="designer-yaml-beside" aria-label="YAML beside the graph">
            <YamlPane job={doc} onChange={change} readOnly={readOnly} />
          </section>
        )}
        <PropertiesPanel
          doc={doc}
          selection={selection}
          ports={ports}
          issues={validation.issues ?? []}
          catalog={catalog}
          readOnly={readOnly}
          isNew={name === null}
          onChange={change}
          onSelect={setSelection}
        />
      </div>
      <Tabs label="Job views" tabs={tabs} current={tab} onChange={setTab} />
    </div>
  );
}
