// The Design Server's version history, as the History panel reads it (src/baton/api/routes/jobs.py,
// src/baton/api/job_views.py and JobVersionInfo in src/baton/registry/records.py).

import { request, type Page } from "../api";
import type { JobEdge, JobView, Saved } from "./types";

/** One saved version, without its document (JobVersionInfo). */
export interface VersionInfo {
  version: number;
  author: string;
  comment: string;
  created_at: string;
}

export interface SectionChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** What changed from one version to another (DiffView). */
export interface DiffView {
  name: string;
  from_version: number;
  to_version: number;
  same: boolean;
  /** A unified diff of the two YAML documents. */
  text: string;
  /** Other top-level keys that differ (name, description, settings). */
  changed: string[];
  nodes: { added: string[]; removed: string[]; changed: { id: string; keys: string[] }[] };
  edges: { added: JobEdge[]; removed: JobEdge[] };
  inputs: SectionChanges;
  outputs: SectionChanges;
  variables: SectionChanges;
}

const job = (name: string) => `/api/jobs/${encodeURIComponent(name)}`;

export const historyApi = {
  versions: (name: string, limit: number, offset: number) =>
    request<Page<VersionInfo>>("GET", `${job(name)}/versions?limit=${limit}&offset=${offset}`),
  version: (name: string, version: number) =>
    request<JobView>("GET", `${job(name)}?version=${version}`),
  diff: (name: string, from: number, to: number) =>
    request<DiffView>("GET", `${job(name)}/diff?from=${from}&to=${to}`),
  restore: (name: string, version: number, comment: string) =>
    request<Saved>("POST", `${job(name)}/restore`, { version, comment }),
};
