// A program's form, from its typed main(): which control each parameter gets, what the browser
// checks before sending, and the request the broker receives (the same fields a classic HTML
// form or a link would send: _SERVICE, _PROGRAM, then one field per parameter, a list's values
// repeated). The broker checks them again and names a field it refuses.

import type { Parameter } from "./types";

/** What a field holds while the form is edited: text, a checkbox, or a list's lines. */
export type FieldValue = string | boolean;

export type Control =
  | "text"
  | "integer"
  | "number"
  | "checkbox"
  | "date"
  | "datetime-local"
  | "select"
  | "lines";

/** The control a parameter is edited with. */
export function controlOf(parameter: Parameter): Control {
  if (parameter.type === "list") return "lines";
  if (parameter.choices.length > 0) return "select";
  switch (parameter.type) {
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "checkbox";
    case "date":
      return "date";
    case "datetime":
      return "datetime-local";
    default:
      return "text";
  }
}

/** The field's starting value: the parameter's literal default, else empty. */
export function initialValue(parameter: Parameter): FieldValue {
  const control = controlOf(parameter);
  const known = parameter.default_known && parameter.default !== null;
  if (control === "checkbox") return known ? Boolean(parameter.default) : false;
  if (!known) return "";
  if (Array.isArray(parameter.default)) return parameter.default.map(String).join("\n");
  if (control === "datetime-local") return String(parameter.default).slice(0, 16);
  return String(parameter.default);
}

/** Whether the form may leave the field empty (the program then uses its default). */
export function optional(parameter: Parameter): boolean {
  return !parameter.required || parameter.nullable;
}

const INTEGER = /^[+-]?[0-9]+$/;
const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function checkOne(parameter: Parameter, type: string, value: string): string | null {
  if (parameter.choices.length > 0 && !parameter.choices.map(String).includes(value)) {
    return `choose one of ${parameter.choices.map(String).join(", ")}`;
  }
  if (type === "integer" && !INTEGER.test(value)) return "expected an integer";
  if (type === "number" && !NUMBER.test(value)) return "expected a number";
  if (type === "date" && !DATE.test(value)) return "expected a date like 2024-03-31";
  if (type === "datetime" && !DATETIME.test(value)) {
    return "expected a date and time like 2024-03-31T12:00";
  }
  return null;
}

/** The values a field sends (a list's lines; nothing for an empty optional field). */
export function valuesOf(parameter: Parameter, value: FieldValue): string[] {
  if (typeof value === "boolean") return [value ? "true" : "false"];
  if (parameter.type === "list") {
    return value
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
  }
  const plainString = parameter.type === "string" && parameter.choices.length === 0;
  if (!plainString && value.trim() === "") return [];
  return [plainString ? value : value.trim()];
}

/** What is wrong with a field's value, in words, or null: the browser's own check. */
export function problemOf(parameter: Parameter, value: FieldValue): string | null {
  const values = valuesOf(parameter, value);
  if (values.length === 0) {
    const plainString = parameter.type === "string" && parameter.choices.length === 0;
    if (optional(parameter) || (plainString && value === "" && !parameter.required)) return null;
    return "required";
  }
  const type = parameter.type === "list" ? (parameter.items ?? "string") : parameter.type;
  for (const one of values) {
    const problem = checkOne(parameter, type, one);
    if (problem) return parameter.type === "list" ? `${one}: ${problem}` : problem;
  }
  return null;
}

/** The broker request's fields, in order. */
export function brokerFields(
  program: string,
  service: string,
  parameters: Parameter[],
  values: Record<string, FieldValue>,
): URLSearchParams {
  const fields = new URLSearchParams();
  if (service) fields.append("_SERVICE", service);
  fields.append("_PROGRAM", program);
  for (const parameter of parameters) {
    for (const value of valuesOf(parameter, values[parameter.name] ?? "")) {
      fields.append(parameter.name, value);
    }
  }
  return fields;
}

/** The classic broker link for the same request (absolute, to share). */
export function brokerLink(origin: string, broker: string, fields: URLSearchParams): string {
  return `${origin}${broker}?${fields.toString()}`;
}
