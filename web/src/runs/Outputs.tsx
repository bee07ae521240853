import type { RunRecord } from "./api";
import { RUN_TERMINAL } from "./states";
import { Values } from "./Values";

/** The run's outputs: the job's declared outputs, computed when it ends. */
export function Outputs({ run }: { run: RunRecord }) {
  const over = RUN_TERMINAL.has(run.state);
  const empty = over
    ? run.state === "SUCCEEDED"
      ? "The job declares no output."
      : `No output: the run ended ${run.state}.`
    : "The outputs are computed when the run ends.";
  return <Values values={run.outputs} label="Run outputs" empty={empty} />;
}
