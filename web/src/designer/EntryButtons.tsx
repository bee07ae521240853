import { useState } from "react";

/** The button that removes one named entry of a map (an assignment, an input, …). */
export function RemoveEntry({ noun, entry, onRemove }: { noun: string; entry: string; onRemove: () => void }) {
  return (
    <button type="button" className="designer-small" aria-label={`Remove ${noun} ${entry}`} onClick={onRemove}>
      Remove
    </button>
  );
}

/** A new entry's name and its Add button, enabled once `accepts` the name (valid, not taken). */
export function NewEntry({
  noun,
  accepts,
  onAdd,
}: {
  noun: string;
  accepts: (name: string) => boolean;
  onAdd: (name: string) => void;
}) {
  const [name, setName] = useState("");
  return (
    <div className="designer-row">
      <label className="designer-field">
        <span>New {noun}</span>
        <input value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <button
        type="button"
        className="designer-small"
        disabled={!accepts(name)}
        onClick={() => {
          onAdd(name);
          setName("");
        }}
      >
        Add {noun}
      </button>
    </div>
  );
}
