function lineClass(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return "vdiff-line-file";
  if (line.startsWith("@@")) return "vdiff-line-hunk";
  if (line.startsWith("+")) return "vdiff-line-add";
  if (line.startsWith("-")) return "vdiff-line-del";
  return "vdiff-line";
}

/** A unified diff, its added lines green and its removed lines red (their + and - kept). */
export function VersionDiffText({ text }: { text: string }) {
  if (!text) return <p className="muted">No difference in the text.</p>;
  const lines = text.replace(/\n$/, "").split("\n");
  return (
    <pre className="vdiff-text" tabIndex={0} aria-label="Text diff (YAML)">
      {lines.map((line, index) => (
        <span key={index} className={lineClass(line)}>
          {line || " "}
        </span>
      ))}
    </pre>
  );
}
