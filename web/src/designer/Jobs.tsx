import type { Me } from "../api";

/** Jobs (being built). */
export function Jobs({ me }: { me: Me }) {
  return <h1>Jobs{me ? "" : ""}</h1>;
}
