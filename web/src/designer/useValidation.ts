import { useEffect, useMemo, useRef, useState } from "react";

import { designApi } from "./designApi";
import { JOB_NAME, withoutPositions } from "./document";
import { documentProblems } from "./issues";
import type { Issue, JobDocument } from "./types";

/** How long the document must stay unchanged before it is validated, in milliseconds. */
export const VALIDATION_DELAY = 500;

export interface Validation {
  issues: Issue[] | null;
  checking: boolean;
  error: unknown;
}

/**
 * Validate the document as it is edited, against the Design Server (debounced; moving nodes
 * does not count as a change). `canPost`: the user may validate a posted document
 * (design_jobs); otherwise the stored version `stored` is validated instead.
 */
export function useValidation(doc: JobDocument, canPost: boolean, stored: string | null): Validation {
  const [state, setState] = useState<Validation>({ issues: null, checking: false, error: null });
  const sequence = useRef(0);
  // A job without a valid name yet is checked under a stand-in one (the name field says why).
  const key = useMemo(() => {
    const named = JOB_NAME.test(doc.name) ? doc : { ...doc, name: "untitled" };
    return JSON.stringify(withoutPositions(named));
  }, [doc]);

  useEffect(() => {
    if (!canPost && stored === null) return;
    const mine = ++sequence.current;
    setState((current) => ({ ...current, checking: true }));
    const timer = setTimeout(() => {
      const asked = canPost
        ? designApi.validate(JSON.parse(key) as JobDocument)
        : designApi.validateStored(stored as string);
      asked.then(
        (checked) => {
          if (mine === sequence.current) setState({ issues: checked.issues, checking: false, error: null });
        },
        (error: unknown) => {
          if (mine !== sequence.current) return;
          const problems = documentProblems(error);
          setState({ issues: problems, checking: false, error: problems ? null : error });
        },
      );
    }, VALIDATION_DELAY);
    return () => clearTimeout(timer);
  }, [key, canPost, stored]);

  return state;
}
