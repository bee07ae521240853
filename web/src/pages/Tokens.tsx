import type { Me } from "../api";

/** Tokens (being built). */
export function Tokens({ me }: { me: Me }) {
  return <h1>Tokens{me ? "" : ""}</h1>;
}
