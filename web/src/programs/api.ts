import { request, type Page } from "../api";
import type { ProgramDetail, ProgramSummary } from "./types";

export const programsApi = {
  list: (q = "") =>
    request<Page<ProgramSummary>>(
      "GET",
      `/api/programs?limit=500${q ? `&q=${encodeURIComponent(q)}` : ""}`,
    ),
  get: (name: string) => request<ProgramDetail>("GET", `/api/programs/${encodeURIComponent(name)}`),
};
