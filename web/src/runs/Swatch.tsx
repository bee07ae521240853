import { colourOf } from "./states";

/** A state's colour, beside its name. */
export function Swatch({ state }: { state: string }) {
  const colour = colourOf(state);
  return (
    <span
      className="runs-legend__swatch"
      style={{ background: colour.fill, borderColor: colour.border }}
      aria-hidden="true"
    />
  );
}
