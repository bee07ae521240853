import { ApiError } from "../api";

/** The words of a failure: the API's own detail for an ApiError, the message otherwise. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.detail || `${error.status} ${error.code}`;
  return error instanceof Error ? error.message : String(error);
}

/** An error shown in words (role=alert: screen readers say it at once); nothing when none. */
export function Problem({ error }: { error: unknown }) {
  if (error === null || error === undefined || error === "") return null;
  return (
    <p role="alert" className="error">
      {typeof error === "string" ? error : describe(error)}
    </p>
  );
}
