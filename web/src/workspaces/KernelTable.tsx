import { ConfirmButton } from "../components/ConfirmButton";
import type { Workspace } from "./types";

interface Props {
  kernels: Workspace[];
  selected: string | null;
  onSelect: (id: string) => void;
  onStop: (id: string) => Promise<void>;
}

function when(moment: string): string {
  return new Date(moment).toLocaleString();
}

/** The user's kernels: open one's console, or stop it (after confirming). */
export function KernelTable({ kernels, selected, onSelect, onStop }: Props) {
  return (
    <table className="ws-kernels">
      <caption className="visually-hidden">Your kernels</caption>
      <thead>
        <tr>
          <th scope="col">Kernel</th>
          <th scope="col">Definition</th>
          <th scope="col">State</th>
          <th scope="col">Execution</th>
          <th scope="col">Account</th>
          <th scope="col">Started</th>
          <th scope="col">Last activity</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {kernels.map((kernel) => {
          const open = kernel.id === selected;
          return (
            <tr key={kernel.id} className={open ? "ws-selected" : undefined} aria-current={open || undefined}>
              <th scope="row">
                <code>{kernel.id}</code>
              </th>
              <td>{kernel.definition}</td>
              <td>
                <span className={`state ws-state-${kernel.state.toLowerCase()}`}>{kernel.state}</span>
              </td>
              <td>{kernel.execution_state}</td>
              <td>
                {kernel.account}
                {kernel.host && <span className="muted"> on {kernel.host}</span>}
              </td>
              <td>{when(kernel.created)}</td>
              <td>{when(kernel.last_activity)}</td>
              <td className="ws-actions">
                <button
                  type="button"
                  aria-label={`Open the console of kernel ${kernel.id}`}
                  disabled={open}
                  onClick={() => onSelect(kernel.id)}
                >
                  {open ? "Shown" : "Open"}
                </button>{" "}
                <ConfirmButton
                  label="Stop"
                  target={`kernel ${kernel.id}`}
                  question={`Stop kernel ${kernel.id}? Its variables are lost.`}
                  groupName={`Stop kernel ${kernel.id}? Its variables are lost.`}
                  confirm="Stop kernel"
                  onConfirm={() => onStop(kernel.id)}
                />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
