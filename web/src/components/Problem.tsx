import { ApiError } from "../api";

/** A 422's list of problems ({field, message}) as "field: message" sentences, else null. */
function fieldSentences(detail: string): string | null {
  try {
    const parsed: unknown = JSON.parse(detail);
    if (!Array.isArray(parsed) || parsed.length === 0) return null;
    return parsed
      .map((item: { field?: unknown; message?: unknown }) => {
        const field = String(item.field ?? "").replace(/^(body|path|query)\.?/, "");
        return field ? `${field}: ${String(item.message ?? "")}` : String(item.message ?? "");
      })
      .join("; ");
  } catch {
    return null;
  }
}

/** The words of a failure: the API's own detail for an ApiError, the message otherwise. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 422) return fieldSentences(error.detail) ?? error.detail;
    return error.detail || `${error.status} ${error.code}`;
  }
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
