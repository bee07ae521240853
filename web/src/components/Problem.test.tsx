import { describe as suite, expect, it } from "vitest";

import { ApiError } from "../api";
import { describe } from "./Problem";

suite("errors in words", () => {
  it("says a 422's problems field by field", () => {
    const detail = JSON.stringify([
      { field: "body.name", message: "String should match pattern", type: "x" },
      { field: "query.limit", message: "Input should be less than 500", type: "y" },
    ]);
    expect(describe(new ApiError(422, "invalid_request", detail))).toBe(
      "name: String should match pattern; limit: Input should be less than 500",
    );
  });

  it("keeps the API's own sentence and a plain error's message", () => {
    expect(describe(new ApiError(409, "conflict", "job 'x' is locked by ada"))).toBe(
      "job 'x' is locked by ada",
    );
    expect(describe(new ApiError(500, "error", ""))).toBe("500 error");
    expect(describe(new Error("offline"))).toBe("offline");
  });
});
