/**
 * substituteVariables: fill a body's variables with inputs, without validation or merge (compilePrompt does
 * both). Invalid or missing inputs leave their placeholders in place.
 */
import type { TTemplateVariable } from "@promptreg/contracts";
import { applyPlan, cloneJson } from "./apply.js";
import { scanValue } from "./scan.js";
import { inputValue, resolveValue } from "./validate.js";

/**
 * Substitutes `inputs` into every string of `body` (keys included) in a single pass: inserted values are
 * never scanned again, and text outside placeholders is kept byte for byte. A placeholder that is a whole
 * JSON string value outside `/messages` becomes the input converted to the variable's type (`42`, `true`);
 * message text always stays text. Types come from `variables` when given (e.g. the list stored with the
 * version), else from the placeholders themselves (the first `{{hc:…}}` of a name; legacy ones are strings).
 * Partials are left as they are. Returns a new value sharing nothing with `body`; never mutates it.
 */
export function substituteVariables<T>(body: T, inputs: Record<string, unknown>, variables?: TTemplateVariable[]): T {
  const scan = scanValue(body, { mode: "template", root: "body", locations: false });
  if (scan.plan === null) return cloneJson(body);
  const declared = variables === undefined ? undefined : new Map(variables.map((v) => [v.name, v.type]));
  const source = typeof inputs === "object" && inputs !== null ? inputs : {};
  const values = scan.variables.map(({ name, type }) => {
    const value = inputValue(source, name);
    return value === undefined ? undefined : resolveValue(value, declared?.get(name) ?? type);
  });
  return applyPlan(body, scan.plan, { variables: values, partials: null, copyClean: true }) as T;
}
