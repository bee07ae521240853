/** A value as text: strings as they are, anything else as indented JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** Named values (a run's inputs or outputs, a node's outputs) as a description list. */
export function Values({ values, label, empty }: { values: Record<string, unknown>; label: string; empty: string }) {
  const names = Object.keys(values);
  if (names.length === 0) return <p className="muted">{empty}</p>;
  return (
    <dl className="runs-values" aria-label={label}>
      {names.map((name) => {
        const text = asText(values[name]);
        const long = text.includes("\n") || text.length > 80;
        return (
          <div key={name} className="runs-values__item">
            <dt>{name}</dt>
            <dd>{long ? <pre>{text}</pre> : <code>{text}</code>}</dd>
          </div>
        );
      })}
    </dl>
  );
}
