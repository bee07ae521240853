import type { Me } from "../api";

/** Workspaces (being built). */
export function Workspaces({ me }: { me: Me }) {
  return <h1>Workspaces{me ? "" : ""}</h1>;
}
