// The operator API as the console calls it (src/baton/api/routes/operator.py, dispatcher.py).

import { csrfToken, request } from "../api";
import type {
  DefinitionView,
  DispatcherHistory,
  DispatcherStatus,
  HostView,
  ServerView,
  SessionView,
} from "./types";

const segment = encodeURIComponent;

export const operatorApi = {
  servers: () => request<ServerView[]>("GET", "/api/operator/servers"),
  definitions: () => request<DefinitionView[]>("GET", "/api/operator/definitions"),
  hosts: () => request<HostView[]>("GET", "/api/operator/hosts"),
  dispatcher: () => request<DispatcherStatus>("GET", "/api/dispatcher"),
  history: () => request<DispatcherHistory>("GET", "/api/dispatcher/history"),
  session: () => request<SessionView>("GET", "/api/operator/session"),
  take: (force = false) => request<SessionView>("POST", "/api/operator/session", { force }),
  release: () => request<SessionView>("DELETE", "/api/operator/session"),
  /** Release the session as the page goes away (a reload, a closed tab): a request that
   * outlives the page (`keepalive`), whose answer nobody reads. */
  releaseOnExit: () => {
    const headers: Record<string, string> = { "X-Requested-With": "XMLHttpRequest" };
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
    fetch("/api/operator/session", {
      method: "DELETE",
      headers,
      credentials: "same-origin",
      keepalive: true,
    }).catch(() => undefined);
  },
};

/** Where each change is asked for (always a POST). */
export const paths = {
  server: (id: string, verb: "stop" | "kill" | "quiesce") =>
    `/api/operator/servers/${segment(id)}/${verb}`,
  remoteServer: (host: string, id: string, verb: "stop" | "kill") =>
    `/api/operator/hosts/${segment(host)}/servers/${segment(id)}/${verb}`,
  definition: (name: string, verb: "pause" | "resume" | "quiesce" | "unquiesce" | "reset") =>
    `/api/operator/definitions/${segment(name)}/${verb}`,
  refresh: () => "/api/operator/refresh",
};
