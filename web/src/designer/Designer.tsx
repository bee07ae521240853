import type { Me } from "../api";

/** Job designer (being built). */
export function Designer({ me }: { me: Me }) {
  return <h1>Job designer{me ? "" : ""}</h1>;
}
