/**
 * The playground's inputs form: one field per variable of the version, typed by the variable's type, the
 * `inputs` object it gives the template engine and the gateway, and the problems that keep it from running.
 */
import type { TInputError, TTemplateVariable } from "@promptreg/contracts";

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
 * sent as typed.
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

/**
 * Variable -> what is wrong with its input, in the order of the variables: the template engine's errors
 * (missing, wrong type), and, for text, an empty or blank value. Every variable of a version is required,
 * and the gateway would accept "" (it is a value), but a prompt sent with a hole where the text should be
 * is almost never what was meant, so the playground flags it and does not run until it is filled.
 */
export function inputProblems(variables: readonly TTemplateVariable[], values: InputValues, engineErrors: readonly TInputError[]): Map<string, string> {
  const problems = new Map<string, string>();
  for (const variable of variables) {
    const error = engineErrors.find((e) => e.variable === variable.name);
    if (error) {
      problems.set(variable.name, variable.type === "number" && String(values[variable.name] ?? "").trim() === "" ? "Required: enter a number." : error.message);
      continue;
    }
    const value = values[variable.name];
    if (variable.type === "string" && typeof value === "string" && value.trim() === "") {
      problems.set(variable.name, value === "" ? "Required: this text is empty." : "Required: this text is only spaces.");
    }
  }
  // Errors not about a variable of the form (a partial's own variable, say) are kept too.
  for (const error of engineErrors) if (!problems.has(error.variable)) problems.set(error.variable, error.message);
  return problems;
}
