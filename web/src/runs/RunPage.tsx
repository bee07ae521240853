import type { Me } from "../api";

/** Run (being built). */
export function RunPage({ me }: { me: Me }) {
  return <h1>Run{me ? "" : ""}</h1>;
}
