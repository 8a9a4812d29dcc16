/**
 * The playground's inputs form: one field per variable of the version, typed by the variable's type, and
 * the `inputs` object it gives the template engine and the gateway.
 */
import type { TTemplateVariable } from "@promptreg/contracts";

/** Text for string and number fields, a checkbox's state for booleans. */
export type FieldValue = string | boolean;
export type InputValues = Record<string, FieldValue>;

export function initialValues(variables: readonly TTemplateVariable[], previous: InputValues = {}): InputValues {
  const values: InputValues = {};
  for (const variable of variables) {
    const kept = previous[variable.name];
    if (variable.type === "boolean") values[variable.name] = typeof kept === "boolean" ? kept : false;
    else values[variable.name] = typeof kept === "string" ? kept : "";
  }
  return values;
}

/**
 * `inputs` for the request. A number field that is empty is left out (so the engine reports the input
 * as missing); one that is not a number is sent as typed, so the engine names the problem. Strings are
 * sent as typed: "" is a present value, as the gateway's rules say.
 */
export function toInputs(variables: readonly TTemplateVariable[], values: InputValues): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const variable of variables) {
    const value = values[variable.name];
    if (value === undefined) continue;
    if (variable.type === "boolean") inputs[variable.name] = value === true;
    else if (variable.type === "number") {
      const text = String(value).trim();
      if (text === "") continue;
      const number = Number(text);
      inputs[variable.name] = Number.isFinite(number) ? number : text;
    } else inputs[variable.name] = String(value);
  }
  return inputs;
}
