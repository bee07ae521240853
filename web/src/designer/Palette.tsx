import { useState, type DragEvent } from "react";

import { Problem } from "../components/Problem";
import type { Catalog } from "./useCatalog";
import { NODE_KINDS, PALETTE_MIME, type NodeKind, type PaletteItem } from "./types";

/** What each node kind does, in the palette. */
export const KIND_HELP: Record<NodeKind, string> = {
  program: "a stored program on a service",
  command: "an executable on a host",
  service: "an HTTP call",
  job: "another job",
  expression: "assign variables, branch by slots",
  if: "then / else",
  parallel: "branches at once",
  foreach: "a body per item",
  loop: "repeat while a condition holds",
  wait: "an event, a timer or a file",
  emit: "raise an event",
  terminate: "end the job",
};

interface ItemProps {
  item: PaletteItem;
  label: string;
  help: string;
  readOnly: boolean;
  onAdd: (item: PaletteItem) => void;
}

function PaletteEntry({ item, label, help, readOnly, onAdd }: ItemProps) {
  const start = (event: DragEvent) => {
    event.dataTransfer.setData(PALETTE_MIME, JSON.stringify(item));
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <li className="designer-palette__item" draggable={!readOnly} onDragStart={start} data-item={label}>
      <span className="designer-palette__label">
        <span className={`designer-dot designer-kind--${item.kind}`} aria-hidden="true" />
        <span>
          <strong>{label}</strong>
          {help && <span className="designer-palette__help">{help}</span>}
        </span>
      </span>
      {!readOnly && (
        <button
          type="button"
          className="designer-small"
          aria-label={`Add ${label}`}
          onClick={() => onAdd(item)}
        >
          Add
        </button>
      )}
    </li>
  );
}

interface PaletteProps {
  catalog: Catalog;
  readOnly: boolean;
  onAdd: (item: PaletteItem) => void;
}

/** The node kinds and the components the user may use: drag one onto the canvas, or Add it. */
export function Palette({ catalog, readOnly, onAdd }: PaletteProps) {
  const [filter, setFilter] = useState("");
  const wanted = filter.trim().toLowerCase();
  const fits = (...texts: string[]) => !wanted || texts.some((text) => text.toLowerCase().includes(wanted));
  const programs = (catalog.programs ?? []).filter((p) => fits(p.name, p.summary));
  const jobs = (catalog.jobs ?? []).filter((j) => fits(j.name, j.description));
  const kinds = NODE_KINDS.filter((kind) => fits(kind, KIND_HELP[kind]));
  const common = { readOnly, onAdd };
  return (
    <aside className="designer-palette" aria-labelledby="designer-palette-title">
      <h2 id="designer-palette-title">Palette</h2>
      <label className="designer-field">
        <span>Search the palette</span>
        <input type="search" value={filter} onChange={(event) => setFilter(event.target.value)} />
      </label>
      <section aria-labelledby="designer-kinds-title">
        <h3 id="designer-kinds-title">Node kinds</h3>
        <ul>
          {kinds.map((kind) => (
            <PaletteEntry key={kind} item={{ kind }} label={kind} help={KIND_HELP[kind]} {...common} />
          ))}
        </ul>
      </section>
      <section aria-labelledby="designer-programs-title">
        <h3 id="designer-programs-title">Programs</h3>
        <Problem error={catalog.programsError} />
        {catalog.programs === null && !catalog.programsError && <p role="status">Loading programs…</p>}
        {catalog.programs?.length === 0 && !catalog.programsError && (
          <p className="muted">No program you may use.</p>
        )}
        <ul>
          {programs.map((p) => (
            <PaletteEntry
              key={p.name}
              item={{ kind: "program", program: p.name, services: p.services }}
              label={p.name}
              help={p.summary}
              {...common}
            />
          ))}
        </ul>
      </section>
      <section aria-labelledby="designer-jobs-title">
        <h3 id="designer-jobs-title">Jobs</h3>
        <Problem error={catalog.jobsError} />
        {catalog.jobs === null && !catalog.jobsError && <p role="status">Loading jobs…</p>}
        {catalog.jobs?.length === 0 && !catalog.jobsError && <p className="muted">No other job.</p>}
        <ul>
          {jobs.map((j) => (
            <PaletteEntry
              key={j.name}
              item={{ kind: "job", job: j.name }}
              label={j.name}
              help={j.description}
              {...common}
            />
          ))}
        </ul>
      </section>
    </aside>
  );
}
