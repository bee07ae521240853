// What stopping a server means, shared by this host's and other hosts' servers.

import type { StopResult } from "./types";

/** States in which a server has (or is about to have) a process to stop. */
export const STOPPABLE = new Set(["STARTING", "RUNNING", "STOPPING", "BACKOFF"]);

/** The words for a stopped or killed server. */
export function stopped(answer: StopResult): string {
  const how = answer.killed ? "Killed" : "Stopped";
  const status = answer.exit_status === null ? "" : ` (exit status ${answer.exit_status})`;
  return (
    `${how} server ${answer.server}${status}. ` +
    "Another one starts if its definition or service keeps a minimum."
  );
}
