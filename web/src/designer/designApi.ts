// The Design Server's and the Runtime Server's operations the designer uses, over `request`
// (src/baton/api/routes/jobs.py, components.py, runs.py; the program catalog at /api/programs).

import { csrfToken, request, type Page, type Run } from "../api";
import type {
  CatalogProgram,
  Checked,
  JobDocument,
  JobRecord,
  JobView,
  Ports,
  Saved,
} from "./types";

const job = (name: string) => `/api/jobs/${encodeURIComponent(name)}`;

export const designApi = {
  jobs: (limit = 500) => request<Page<JobRecord>>("GET", `/api/jobs?limit=${limit}`),
  job: (name: string) => request<JobView>("GET", job(name)),
  programs: (limit = 1000) => request<Page<CatalogProgram>>("GET", `/api/programs?limit=${limit}`),
  programPorts: (program: string, service?: string | null) => {
    const query = service ? `?service=${encodeURIComponent(service)}` : "";
    return request<Ports>("GET", `/api/components/programs/${encodeURIComponent(program)}${query}`);
  },
  jobPorts: (name: string, version?: number | null) => {
    const query = version ? `?version=${version}` : "";
    return request<Ports>("GET", `/api/components/jobs/${encodeURIComponent(name)}${query}`);
  },
  /** Every issue of a document, not stored (needs design_jobs). */
  validate: (document: JobDocument) => request<Checked>("POST", "/api/jobs/validate", document),
  /** Every issue of the stored latest version (read on the job). */
  validateStored: (name: string) => request<Checked>("GET", `${job(name)}/validate`),
  create: (document: JobDocument, comment: string) =>
    request<Saved>("POST", `/api/jobs?comment=${encodeURIComponent(comment)}`, document),
  update: (name: string, document: JobDocument, comment: string) =>
    request<Saved>("PUT", `${job(name)}?comment=${encodeURIComponent(comment)}`, document),
  lock: (name: string) => request<JobRecord>("POST", `${job(name)}/lock`),
  unlock: (name: string, force = false) =>
    request<JobRecord>("DELETE", `${job(name)}/lock${force ? "?force=true" : ""}`),
  run: (name: string, inputs: Record<string, unknown>) =>
    request<Run>("POST", `${job(name)}/runs`, { inputs }),
};

/** Release the lock while the page goes away: a request that outlives the page (keepalive),
 * which `request` cannot send. Same headers as `request`. */
export function releaseOnExit(name: string): void {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "X-Requested-With": "XMLHttpRequest",
  };
  const token = csrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  void fetch(`${job(name)}/lock`, {
    method: "DELETE",
    headers,
    credentials: "same-origin",
    keepalive: true,
  }).catch(() => undefined);
}
