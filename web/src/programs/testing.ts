// Test doubles shared by the programs' Vitest tests.

import type { Parameter } from "./types";

/** A required positional string parameter named "x", with `fields` changed. */
export function parameter(fields: Partial<Parameter>): Parameter {
  return {
    name: "x",
    type: "string",
    items: null,
    choices: [],
    nullable: false,
    annotation: "",
    note: "",
    kind: "positional_or_keyword",
    required: true,
    has_default: false,
    default_known: false,
    default: null,
    description: "",
    ...fields,
  };
}
