import type { Me } from "../api";

/** Administration (being built). */
export function Administration({ me }: { me: Me }) {
  return <h1>Administration{me ? "" : ""}</h1>;
}
