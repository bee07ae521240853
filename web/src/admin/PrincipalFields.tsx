import { useId } from "react";

import { PRINCIPAL_KINDS, type PrincipalKind } from "./adminApi";
import { useNames } from "./useNames";

interface Props {
  /** The labels of the two fields ("Holder kind", "Holder"). */
  kindLabel: string;
  nameLabel: string;
  kind: PrincipalKind;
  onKind: (kind: PrincipalKind) => void;
  name: string;
  onName: (name: string) => void;
}

/** A user or a group, by name: the kind, then the name with the existing ones as suggestions. */
export function PrincipalFields({ kindLabel, nameLabel, kind, onKind, name, onName }: Props) {
  const id = useId();
  const choices = useNames(kind === "user" ? "/api/users" : "/api/groups");
  return (
    <>
      <label>
        {kindLabel}
        <select value={kind} onChange={(event) => onKind(event.target.value as PrincipalKind)}>
          {PRINCIPAL_KINDS.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
        </select>
      </label>
      <label>
        {nameLabel}
        <input list={`${id}-names`} value={name} onChange={(event) => onName(event.target.value)} required />
      </label>
      <datalist id={`${id}-names`}>
        {choices.map((choice) => (
          <option key={choice} value={choice} />
        ))}
      </datalist>
    </>
  );
}
