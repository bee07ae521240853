import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError, api, csrfToken, request, signIn, signOut } from "./api";

function answer(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe("the API client", () => {
  it("keeps the CSRF token from sign-in and sends it on changes only", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(answer(200, { user: { id: 1, name: "ada" }, csrf_token: "t0k" }))
      .mockResolvedValueOnce(answer(200, { items: [], total: 0, limit: 50, offset: 0 }))
      .mockResolvedValueOnce(new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetch);

    const user = await signIn("ada", "secret");
    expect(user.name).toBe("ada");
    expect(csrfToken()).toBe("t0k");
    await api.runs({ job: "daily", state: "" });
    await signOut();

    const [, runs] = fetch.mock.calls;
    expect(runs[0]).toBe("/api/runs?job=daily");
    expect(runs[1].headers["X-CSRF-Token"]).toBeUndefined();
    const [, , out] = fetch.mock.calls;
    expect(out[1].method).toBe("DELETE");
    expect(out[1].headers["X-CSRF-Token"]).toBe("t0k");
    expect(csrfToken()).toBeNull();
  });

  it("turns the API's error body into an ApiError with its words", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(answer(409, { error: "job_not_runnable", detail: "job 'x' cannot run" })),
    );
    const failure = (await request("POST", "/api/jobs/x/runs", {}).catch((error) => error)) as ApiError;
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 409, code: "job_not_runnable" });
    expect(failure.message).toBe("job 'x' cannot run");
  });

  it("says so when the control plane does not answer", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const failure = (await api.me().catch((error) => error)) as ApiError;
    expect(failure).toMatchObject({ status: 0, code: "unreachable" });
    expect(failure.message).toContain("does not answer");
  });
});
