import type { Me } from "../api";

/** Programs (being built). */
export function Programs({ me }: { me: Me }) {
  return <h1>Programs{me ? "" : ""}</h1>;
}
