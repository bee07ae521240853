import { useEffect, useState } from "react";

import { getAll } from "./adminApi";

/** The names of every entity of a list endpoint, as suggestions for a name field. Suggestions
 * only: when they cannot be loaded the field still takes any name and the API judges it. */
export function useNames(path: string | null): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    if (path === null) {
      setNames([]);
      return;
    }
    let live = true;
    getAll<{ name: string }>(path).then(
      (items) => live && setNames(items.map((item) => item.name)),
      () => live && setNames([]),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return names;
}
