import { useEffect, useState } from "react";

import { designApi } from "./designApi";
import type { CatalogProgram, JobRecord } from "./types";

/** The components the user may use in a job: programs from the catalog, other jobs. */
export interface Catalog {
  programs: CatalogProgram[] | null;
  programsError: unknown;
  jobs: JobRecord[] | null;
  jobsError: unknown;
}

/** Load the catalog once (`exclude`: the job being designed, left out of the jobs). */
export function useCatalog(exclude: string | null): Catalog {
  const [catalog, setCatalog] = useState<Catalog>({
    programs: null,
    programsError: null,
    jobs: null,
    jobsError: null,
  });
  useEffect(() => {
    let live = true;
    designApi.programs().then(
      (page) => live && setCatalog((c) => ({ ...c, programs: page.items })),
      (error: unknown) => live && setCatalog((c) => ({ ...c, programsError: error, programs: [] })),
    );
    designApi.jobs().then(
      (page) => live && setCatalog((c) => ({ ...c, jobs: page.items.filter((job) => job.name !== exclude) })),
      (error: unknown) => live && setCatalog((c) => ({ ...c, jobsError: error, jobs: [] })),
    );
    return () => {
      live = false;
    };
  }, [exclude]);
  return catalog;
}
