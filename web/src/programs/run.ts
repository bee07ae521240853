// Running a program through the broker from the browser: a form POST (the session cookie signs
// it in; the broker checks the Origin), the answer read as it streams.

export interface Chunked {
  status: number;
  contentType: string;
  filename: string | null;
}

/** The file name a Content-Disposition header gives, if any. */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : null;
}

/** Whether an answer of this type is shown as text while it streams. */
export function isText(contentType: string): boolean {
  return /^(text\/|application\/(json|xml|javascript))/i.test(contentType);
}

/** The sentence of a failed broker answer: its JSON detail, else the page's text. */
export function failureText(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown };
    if (typeof parsed.detail === "string") return parsed.detail;
  } catch {
    // an HTML page: its words
  }
  const text = new DOMParser().parseFromString(body, "text/html").body.textContent ?? "";
  return text.replace(/\s+/g, " ").trim() || `the broker answered ${status}`;
}

/**
 * POST the fields to the broker and hand each chunk of the answer to `onChunk` as it arrives.
 * Resolves with the answer's status and type once it is complete (or rejects when aborted).
 */
export async function runProgram(
  broker: string,
  fields: URLSearchParams,
  onStart: (answer: Chunked) => void,
  onChunk: (chunk: Uint8Array) => void,
  signal: AbortSignal,
): Promise<Chunked> {
  const response = await fetch(broker, {
    method: "POST",
    body: fields,
    credentials: "same-origin",
    // JSON errors (the broker's own pages); a program's answer keeps its own type.
    headers: { Accept: "application/json, text/html;q=0.9, */*;q=0.8" },
    signal,
  });
  const answer: Chunked = {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "application/octet-stream",
    filename: filenameOf(response.headers.get("content-disposition")),
  };
  onStart(answer);
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value) onChunk(value);
    }
  }
  return answer;
}
