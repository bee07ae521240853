// The operator API's answers, field for field (src/baton/api/operator_views.py,
// src/baton/loadmanager/snapshot.py and history.py).

export type ProcessState = "STARTING" | "RUNNING" | "STOPPING" | "STOPPED" | "FAILED" | "BACKOFF";

/** GET /api/operator/servers: one server process of this host's spawner. */
export interface ServerView {
  id: string;
  definition: string;
  kind: string;
  state: ProcessState;
  pid: number | null;
  address: string | null;
  uptime: number | null;
  clients: number;
  uses: number;
  failures: number;
  problem: string;
  draining: boolean;
  response_time: number;
}

/** GET /api/operator/definitions: one definition this host's spawner runs. */
export interface DefinitionView {
  name: string;
  service: string | null;
  kind: string;
  problem: string;
  failed: string | null;
  paused: boolean;
  quiesced: boolean;
  waiting: number;
  servers: number;
  states: Partial<Record<ProcessState, number>>;
}

/** A server of another host, as its spawner reports it. */
export interface RemoteServerView {
  id: string;
  definition: string;
  state: string;
  pid: number | null;
  address: string | null;
  uptime: number | null;
  clients: number;
  uses: number;
  problem: string;
  cost: number;
  response_time: number;
}

/** GET /api/operator/hosts: a host's spawner that joined. */
export interface HostView {
  name: string;
  url: string;
  silent: number;
  servers: RemoteServerView[];
  clients: number;
  cost: number;
  error: string;
}

/** GET/POST/DELETE /api/operator/session. */
export interface SessionView {
  holder: string | null;
  since: string | null;
  yours: boolean;
  lapse_seconds: number;
}

/** GET /api/dispatcher: one server of a service's pool (LOADSTAT). */
export interface PoolServer {
  server_id: string;
  address: string;
  pid: number | null;
  state: string;
  active: number;
  capacity: number;
  served: number;
  sessions: number;
  uptime: number;
  requests: number;
  longest: number;
  average: number;
  waited_percent: number;
  average_wait: number;
}

/** GET /api/dispatcher: one service's pool. */
export interface ServiceStatus {
  service: string;
  kind: string;
  queue: number;
  stopping: boolean;
  min_servers: number;
  max_servers: number;
  servers: PoolServer[];
}

export interface DispatcherStatus {
  at: string;
  pid: number;
  services: ServiceStatus[];
}

/** GET /api/dispatcher/history. */
export interface ServicePoint {
  service: string;
  requests: number;
  requests_per_second: number | null;
  queue: number;
}

export interface HistoryPoint {
  at: string;
  services: ServicePoint[];
}

export interface DispatcherHistory {
  interval: number;
  keep: number;
  samples: HistoryPoint[];
}

/** POST .../stop and .../kill. */
export interface StopResult {
  server: string;
  killed: boolean;
  exit_status: number | null;
}

/** POST /api/operator/refresh. */
export interface RefreshResult {
  definitions: string[];
}

/**
 * Asks for one change (a POST to `path`), taking the operator session first when needed;
 * `what` names it ("stop server default-1"), `done` words its answer. Failures are shown by
 * the console, never thrown.
 */
export type Act = <T>(what: string, path: string, done: (answer: T) => string) => Promise<void>;
