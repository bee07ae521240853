// The administration part of the REST API (/api/users, groups, roles, permissions,
// credentials, audit), typed after the pydantic records in src/baton/registry/records.py.
// Credentials are write-only: no record here has, or could have, a secret.

import { request, type Page } from "../api";

export const CAPABILITIES = ["administer", "operate", "design_jobs", "run_jobs", "run_programs"] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const ACTIONS = ["read", "write", "run", "administer"] as const;
export type Action = (typeof ACTIONS)[number];

export const RESOURCE_KINDS = ["program", "library", "service", "job", "server_definition"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const PRINCIPAL_KINDS = ["user", "group"] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export interface UserRecord {
  id: number;
  name: string;
  display_name: string;
  email: string;
  auth_source: "local" | "host";
  disabled: boolean;
  created_at: string;
  groups: string[];
}

export interface GroupRecord {
  id: number;
  name: string;
  description: string;
  builtin: boolean;
  created_at: string;
  members: string[];
}

export interface RoleRecord {
  id: number;
  name: string;
  description: string;
  builtin: boolean;
  capabilities: Capability[];
  users: string[];
  groups: string[];
}

export interface PermissionRecord {
  id: number;
  principal_kind: PrincipalKind;
  principal: string;
  resource_kind: ResourceKind;
  resource_name: string;
  action: Action;
  granted_by: string;
  created_at: string;
}

/** A stored launch credential's metadata; the API never returns its secret. */
export interface CredentialRecord {
  id: number;
  name: string;
  username: string;
  description: string;
  algorithm: string;
  key_id: string;
  created_at: string;
  updated_at: string;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  resource: string;
  outcome: "ok" | "denied" | "failed";
  remote_addr: string;
  detail: Record<string, unknown>;
}

/** A path of the API with each name segment escaped. */
export function apiPath(base: string, ...names: string[]): string {
  return [base, ...names.map(encodeURIComponent)].join("/");
}

/** A query string without the empty values ("" when nothing is left). */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function getPage<T>(path: string, values: Record<string, string | number | undefined>) {
  return request<Page<T>>("GET", `${path}${query(values)}`);
}

/** Every item of a list, page after page (for choices and for grants on one resource). */
export async function getAll<T>(
  path: string,
  values: Record<string, string | undefined> = {},
): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const page = await getPage<T>(path, { ...values, limit: 500, offset: items.length });
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) return items;
  }
}

/** A date and time of the API in the reader's own words. */
export function when(value: string | null): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}
