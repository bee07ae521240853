import { describe, expect, it } from "vitest";

import { brokerFields, brokerLink, controlOf, initialValue, problemOf } from "./fields";
import { parameter } from "./testing";

describe("a program's form fields", () => {
  it("picks a control per type", () => {
    expect(controlOf(parameter({ type: "integer" }))).toBe("integer");
    expect(controlOf(parameter({ type: "boolean" }))).toBe("checkbox");
    expect(controlOf(parameter({ type: "datetime" }))).toBe("datetime-local");
    expect(controlOf(parameter({ choices: ["n", "s"] }))).toBe("select");
    expect(controlOf(parameter({ type: "list", items: "integer" }))).toBe("lines");
  });

  it("starts from literal defaults", () => {
    const list = parameter({ type: "list", default_known: true, default: ["a", "b"] });
    expect(initialValue(list)).toBe("a\nb");
    expect(initialValue(parameter({ type: "boolean", default_known: true, default: true }))).toBe(
      true,
    );
    expect(initialValue(parameter({ type: "integer" }))).toBe("");
  });

  it("checks values as the broker will", () => {
    const year = parameter({ type: "integer" });
    expect(problemOf(year, "")).toBe("required");
    expect(problemOf(year, "12a")).toBe("expected an integer");
    expect(problemOf(year, " 2024 ")).toBeNull();
    const optional = parameter({ type: "number", required: false, has_default: true });
    expect(problemOf(optional, "")).toBeNull();
    expect(problemOf(optional, "1e3")).toBeNull();
    expect(problemOf(parameter({ choices: ["n", "s"] }), "e")).toBe("choose one of n, s");
    expect(problemOf(parameter({ type: "list", items: "integer" }), "1\nx")).toBe(
      "x: expected an integer",
    );
    expect(problemOf(parameter({ type: "date" }), "31/03/2024")).toMatch(/expected a date/);
  });

  it("sends _SERVICE, _PROGRAM and each value, a list's repeated", () => {
    const fields = brokerFields(
      "sample.regions",
      "default",
      [parameter({ name: "region", type: "list" }), parameter({ name: "note", required: false })],
      { region: "north\n\nsouth", note: "" },
    );
    expect([...fields]).toEqual([
      ["_SERVICE", "default"],
      ["_PROGRAM", "sample.regions"],
      ["region", "north"],
      ["region", "south"],
      ["note", ""],
    ]);
    expect(brokerLink("https://b.example", "/broker", fields)).toBe(
      "https://b.example/broker?_SERVICE=default&_PROGRAM=sample.regions&region=north&region=south&note=",
    );
  });
});
