import { ConfirmButton } from "../components/ConfirmButton";
import { DANGER } from "./looks";
import { STOPPABLE, stopped } from "./stopping";
import type { Act, StopResult } from "./types";

interface Props {
  /** The server's state: the buttons are there only while it has a process. */
  state: string;
  /** The server as the buttons and the questions name it ("default-1 on host-b"). */
  target: string;
  /** The API path that stops or kills it. */
  path: (verb: "stop" | "kill") => string;
  act: Act;
}

/** Stop and Kill (SIGKILL) of a server of this host or of another one; both ask first. */
export function StopButtons({ state, target, path, act }: Props) {
  if (!STOPPABLE.has(state)) return null;
  return (
    <>
      <ConfirmButton
        label="Stop"
        look={DANGER}
        target={target}
        question={`Really stop ${target}?`}
        onConfirm={() => act<StopResult>(`stop ${target}`, path("stop"), stopped)}
      />
      <ConfirmButton
        label="Kill"
        look={DANGER}
        target={target}
        question={`Really kill ${target} (SIGKILL)?`}
        onConfirm={() => act<StopResult>(`kill ${target}`, path("kill"), stopped)}
      />
    </>
  );
}
