import type { Output } from "./types";

// IPython colours its tracebacks (and some streams) with ANSI escapes: shown as plain text.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function plain(text: string): string {
  return text.replace(ANSI, "");
}

/** The richest form of a rich output the console can show safely, shown. */
function Rich({ data, label }: { data: Record<string, string>; label: string }) {
  if (data["image/png"] !== undefined) {
    return <img className="ws-image" alt={label} src={`data:image/png;base64,${data["image/png"]}`} />;
  }
  if (data["image/jpeg"] !== undefined) {
    return <img className="ws-image" alt={label} src={`data:image/jpeg;base64,${data["image/jpeg"]}`} />;
  }
  if (data["image/svg+xml"] !== undefined) {
    // As an image: an SVG's scripts do not run inside <img>.
    const svg = encodeURIComponent(data["image/svg+xml"]);
    return <img className="ws-image" alt={label} src={`data:image/svg+xml;charset=utf-8,${svg}`} />;
  }
  if (data["text/html"] !== undefined) {
    // sandbox="": no script, no form, no same-origin access to the page or its cookie.
    return <iframe className="ws-html" title={label} sandbox="" srcDoc={data["text/html"]} />;
  }
  if (data["text/plain"] !== undefined) {
    return <pre className="ws-text">{plain(data["text/plain"])}</pre>;
  }
  if (data["application/json"] !== undefined) {
    return <pre className="ws-text">{data["application/json"]}</pre>;
  }
  const kinds = Object.keys(data).join(", ") || "nothing";
  return <p className="muted">An output this console cannot show ({kinds}).</p>;
}

/** One output of a cell: a stream's text (stderr tinted), a result or display, an error. */
export function OutputView({ output, count }: { output: Output; count: number | null }) {
  switch (output.type) {
    case "stream":
      if (output.name === "stderr") {
        return (
          <div role="group" aria-label="Standard error" className="ws-stderr">
            <pre className="ws-text">{plain(output.text)}</pre>
          </div>
        );
      }
      return <pre className="ws-text">{plain(output.text)}</pre>;
    case "result":
      return (
        <div className="ws-result">
          <span className="ws-prompt" aria-hidden="true">
            Out[{count ?? " "}]:
          </span>
          <Rich data={output.data} label={`Result${count === null ? "" : ` ${count}`}`} />
        </div>
      );
    case "display":
      return <Rich data={output.data} label="Displayed output" />;
    case "error":
      return (
        <div className="ws-error" role="group" aria-label={`Error: ${output.ename}`}>
          <p className="ws-ename">
            <strong>{output.ename}</strong>
            {output.evalue && `: ${output.evalue}`}
          </p>
          {output.traceback.length > 0 && (
            <pre className="ws-text">{plain(output.traceback.join("\n"))}</pre>
          )}
        </div>
      );
  }
}
