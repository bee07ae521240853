// Which grants apply to one resource: the same candidates the registry checks
// (src/baton/registry/access.py, _resource_candidates).

import type { PermissionRecord, ResourceKind } from "./adminApi";

export interface Applying {
  grant: PermissionRecord;
  /** How the grant reaches the resource, in words ("" when it names the resource itself). */
  through: string;
}

/** The (kind, name) pairs whose grants cover resource kind/name, with how they reach it. */
export function candidates(kind: ResourceKind, name: string): [ResourceKind, string, string][] {
  const found: [ResourceKind, string, string][] = [
    [kind, name, ""],
    [kind, "*", `every ${kind.replace("_", " ")}`],
  ];
  const dot = name.indexOf(".");
  if (kind === "program" && dot > 0 && !name.endsWith(".*")) {
    const library = name.slice(0, dot);
    found.push(
      ["program", `${library}.*`, `every program of ${library}`],
      ["library", library, `the library ${library}`],
      ["library", "*", "every library"],
    );
  }
  return found.filter(([, candidate], index) => index === 0 || candidate !== name);
}

/** The grants among ``grants`` that apply to kind/name (every grant of the kind when name is
 * empty), the resource's own first. */
export function applying(grants: PermissionRecord[], kind: ResourceKind, name: string): Applying[] {
  if (!name) {
    return grants.filter((grant) => grant.resource_kind === kind).map((grant) => ({ grant, through: "" }));
  }
  const result: Applying[] = [];
  for (const [candidateKind, candidateName, through] of candidates(kind, name)) {
    for (const grant of grants) {
      if (grant.resource_kind === candidateKind && grant.resource_name === candidateName) {
        result.push({ grant, through });
      }
    }
  }
  return result;
}

/** The resource kinds whose grants can apply to a resource of this kind. */
export function kindsToLoad(kind: ResourceKind, name: string): ResourceKind[] {
  return kind === "program" && name.includes(".") ? ["program", "library"] : [kind];
}
