// A binding as the properties panel edits it: one CEL expression. A literal reads as the
// expression that gives it (5, "text", [1, 2]), so editing never changes what a binding means.

import type { Binding, JobNode } from "./types";

/** The expression a binding is written as. */
export function bindingText(binding: Binding | undefined): string {
  if (binding === undefined) return "";
  if (typeof binding === "string") return binding;
  if (binding === null || typeof binding !== "object" || Array.isArray(binding)) {
    return JSON.stringify(binding);
  }
  if (typeof binding.expr === "string") return binding.expr;
  return JSON.stringify(binding.value ?? null);
}

/** The node with input `name` bound to expression `text` (unbound when empty); a binding's
 * `default` is kept. */
export function withBinding(node: JobNode, name: string, text: string): JobNode {
  const bindings = { ...(node.bindings ?? {}) };
  const old = bindings[name];
  if (text.trim() === "") delete bindings[name];
  else if (old !== null && typeof old === "object" && !Array.isArray(old) && old.default !== undefined) {
    bindings[name] = { expr: text, default: old.default };
  } else bindings[name] = text;
  const copy: JobNode = { ...node, bindings };
  if (Object.keys(bindings).length === 0) delete copy.bindings;
  return copy;
}
