import { useEffect, useMemo, useState } from "react";

import { describe } from "../components/Problem";
import { runsApi, type JobDocument, type NodeRun } from "./api";
import { layoutJob, layoutPaths, type Layout } from "./layout";
import { templateOf } from "./paths";

export interface JobGraph {
  layout: Layout | null;
  /** Why the job's document could not be read ('' when it could): the graph then comes from the records. */
  problem: string;
  loading: boolean;
}

/** The layout of the job version a run runs; from the run's records when the document cannot be read. */
export function useJobGraph(job: string | null, version: number | null, records: NodeRun[]): JobGraph {
  const [document, setDocument] = useState<JobDocument | null>(null);
  const [problem, setProblem] = useState("");
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    if (job === null || version === null) return;
    let stopped = false;
    setLoading(true);
    runsApi.jobVersion(job, version).then(
      (found) => {
        if (stopped) return;
        setDocument(found.document);
        setProblem("");
        setLoading(false);
      },
      (error: unknown) => {
        if (stopped) return;
        setDocument(null);
        setProblem(describe(error));
        setLoading(false);
      },
    );
    return () => {
      stopped = true;
    };
  }, [job, version]);

  const templates = useMemo(
    () => (document ? "" : [...new Set(records.map((record) => templateOf(record.node)))].sort().join("\n")),
    [document, records],
  );
  const layout = useMemo(() => {
    if (document) return layoutJob(document);
    if (loading) return null;
    return layoutPaths(templates ? templates.split("\n") : []);
  }, [document, loading, templates]);
  return { layout, problem, loading };
}
