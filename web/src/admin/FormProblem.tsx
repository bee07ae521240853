import { ApiError } from "../api";
import { describe } from "../components/Problem";

interface FieldProblem {
  field: string;
  message: string;
  type: string;
}

/** The fields an invalid_request (422) answer names, without their body./path. prefix. */
export function fieldProblems(error: unknown): FieldProblem[] {
  if (!(error instanceof ApiError) || error.status !== 422) return [];
  try {
    const parsed: unknown = JSON.parse(error.detail);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((item): item is FieldProblem => typeof item === "object" && item !== null && "field" in item)
      .map((item) => ({ ...item, field: String(item.field).replace(/^(body|path|query)\./, "") }));
  } catch {
    return [];
  }
}

/** True when the API's refusal names this field (for aria-invalid). */
export function isInvalid(error: unknown, field: string): boolean {
  if (fieldProblems(error).some((problem) => problem.field === field)) return true;
  // The registry's own refusals read "field: why" (InvalidInput).
  return error instanceof ApiError && error.detail.startsWith(`${field}: `);
}

interface Props {
  error: unknown;
  /** The label of each field, by the API's name for it. */
  labels?: Record<string, string>;
  /** What a field must look like, said instead of the validator's pattern. */
  hints?: Record<string, string>;
}

/** The API's refusal of a form, in words, next to the form: each wrong field by its label. */
export function FormProblem({ error, labels = {}, hints = {} }: Props) {
  if (error === null || error === undefined || error === "") return null;
  const problems = fieldProblems(error);
  if (problems.length === 0) {
    return (
      <p role="alert" className="error admin-problem">
        {typeof error === "string" ? error : describe(error)}
      </p>
    );
  }
  return (
    <div role="alert" className="error admin-problem">
      <p>The control plane refused this:</p>
      <ul>
        {problems.map((problem) => {
          const hint = problem.type === "string_pattern_mismatch" ? hints[problem.field] : undefined;
          return (
            <li key={`${problem.field} ${problem.type}`}>
              {labels[problem.field] ?? problem.field}: {hint ?? problem.message}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** What a registry name must look like (users, groups, roles, credentials). */
export const NAME_HINT = "a letter, then up to 63 letters, digits, _ or -";
