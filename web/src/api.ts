// The REST API, as the web client uses it: the session cookie signs every request in, and
// every change carries the session's CSRF token (X-CSRF-Token), kept in sessionStorage so that
// a reload keeps it. Errors come back as ApiError with the API's own words.

const CSRF_KEY = "baton.csrf";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface User {
  id: number;
  name: string;
  display_name: string;
  /** local: Baton checks the password; host: the operating system does (PAM). */
  auth_source: "local" | "host";
}

export interface Me {
  user: User;
  capabilities: string[];
  groups: string[];
  method: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Run {
  id: number;
  job: string;
  version: number;
  state: string;
  created_by: string;
  error: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  position: number | null;
}

export interface Service {
  name: string;
  kind: string;
  description: string;
  enabled: boolean;
}

export function csrfToken(): string | null {
  return sessionStorage.getItem(CSRF_KEY);
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = "error";
  let detail = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: string; detail?: unknown };
    code = body.error ?? code;
    if (typeof body.detail === "string") {
      detail = body.detail;
    } else if (body.detail !== undefined) {
      detail = JSON.stringify(body.detail);
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, code, detail);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  // X-Requested-With: the API then answers 401 without a Basic challenge, which would make
  // the browser pop up its own login dialog over the page.
  const headers: Record<string, string> = {
    Accept: "application/json",
    "X-Requested-With": "XMLHttpRequest",
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = csrfToken();
  if (method !== "GET" && method !== "HEAD" && token) headers["X-CSRF-Token"] = token;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "unreachable", `the control plane does not answer (${String(error)})`);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export async function signIn(username: string, password: string): Promise<User> {
  const answer = await request<{ user: User; csrf_token: string }>("POST", "/api/session", {
    username,
    password,
  });
  sessionStorage.setItem(CSRF_KEY, answer.csrf_token);
  return answer.user;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>("DELETE", "/api/session");
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}

export const api = {
  me: () => request<Me>("GET", "/api/me"),
  services: () => request<Page<Service>>("GET", "/api/services"),
  runs: (query: Record<string, string> = {}) => {
    const params = new URLSearchParams(Object.entries(query).filter(([, value]) => value));
    const suffix = params.toString() ? `?${params}` : "";
    return request<Page<Run>>("GET", `/api/runs${suffix}`);
  },
  queue: () => request<Run[]>("GET", "/api/runs/queue"),
};
