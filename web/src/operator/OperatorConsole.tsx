import type { Me } from "../api";

/** Operator console (being built). */
export function OperatorConsole({ me }: { me: Me }) {
  return <h1>Operator console{me ? "" : ""}</h1>;
}
