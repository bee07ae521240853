import { useState } from "react";

import { CopyButton } from "./CopyButton";
import type { Workspace } from "./types";

const HIDDEN = "•••••••• (hidden)";

/** Saves text as a file the browser downloads. */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

/** A kernel's connection info, as a Jupyter connection file: copy it, or download it for
 * `jupyter console --existing FILE`. Its key signs every message to the kernel, so it shows
 * only when asked. */
export function ConnectionInfo({ workspace }: { workspace: Workspace }) {
  const [shown, setShown] = useState(false);
  const file = `kernel-${workspace.id}.json`;
  const json = JSON.stringify(workspace.connection, null, 2);
  const visible = shown
    ? json
    : JSON.stringify({ ...workspace.connection, key: HIDDEN }, null, 2);
  return (
    <section className="ws-connection" aria-labelledby="ws-connection-title">
      <div className="ws-section-head">
        <h3 id="ws-connection-title">Connection info</h3>
        <button type="button" aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? "Hide key" : "Show key"}
        </button>
        <CopyButton text={json} label="Copy" name="Copy connection info" />
        <button type="button" onClick={() => download(file, json)}>
          Download {file}
        </button>
      </div>
      <pre className="ws-text ws-json" aria-label="Connection file" tabIndex={0}>
        {visible}
      </pre>
      <p className="muted">
        Save it and connect any Jupyter client that reaches {workspace.connection.ip} on{" "}
        {workspace.host ? `host ${workspace.host}` : "the control plane's host"}:{" "}
        <code>jupyter console --existing {file}</code>. The key is a secret: whoever has it can
        run code as {workspace.account}.
      </p>
    </section>
  );
}
