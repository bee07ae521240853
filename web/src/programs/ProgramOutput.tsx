import { useEffect, useMemo } from "react";

import { isText } from "./run";

export interface OutputState {
  status: number;
  contentType: string;
  filename: string | null;
  text: string;
  bytes: Uint8Array[];
  done: boolean;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A program's answer: HTML in a sandboxed frame, JSON, text, an image, or a download. */
export function ProgramOutput({ output }: { output: OutputState }) {
  const type = output.contentType.split(";")[0].trim().toLowerCase();
  const binary = !output.filename && (type.startsWith("image/") || !isText(type));
  const url = useMemo(
    () =>
      output.done && (binary || output.filename)
        ? URL.createObjectURL(new Blob(output.bytes as BlobPart[], { type }))
        : null,
    [output.done, output.bytes, binary, output.filename, type],
  );
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);

  if (output.filename) {
    return url ? (
      <a className="download" href={url} download={output.filename}>
        Download {output.filename}
      </a>
    ) : (
      <p role="status">Receiving {output.filename}…</p>
    );
  }
  if (type === "text/html") {
    // sandbox="": no scripts, no forms, no navigation of this page, its own origin. While the
    // page streams, the frame is drawn again as it grows; once whole, in a fresh frame.
    return (
      <iframe
        key={output.done ? "whole" : "streaming"}
        className="program-frame"
        title="Program output"
        sandbox=""
        srcDoc={output.text}
      />
    );
  }
  if (type === "application/json") {
    return (
      <pre className="program-text" aria-label="Program output">
        {output.done ? pretty(output.text) : output.text}
      </pre>
    );
  }
  if (type.startsWith("image/")) {
    return url ? (
      <img className="program-image" src={url} alt="Program output" />
    ) : (
      <p role="status">Receiving the image…</p>
    );
  }
  if (isText(type)) {
    return (
      <pre className="program-text" aria-label="Program output">
        {output.text}
      </pre>
    );
  }
  return url ? (
    <a className="download" href={url} download="output">
      Download the output ({type})
    </a>
  ) : (
    <p role="status">Receiving…</p>
  );
}
