/**
 * Input checks and conversions. What each type accepts (decisions where Helicone's SDK is loose or silent):
 *
 * - `string` accepts any scalar: a string, number, boolean or bigint, written with `String()` (API.md).
 *   Helicone accepts anything, so an object became "[object Object]" in text; objects and arrays are errors.
 * - `number` accepts a finite number, or a string that, trimmed, is a decimal literal (`"42"`, `"-3.5"`,
 *   `" 7 "`, `"1e3"`, `".5"`). Helicone's `!isNaN(Number(value))` also took `""`, `" "`, `"0x10"`, `true`
 *   and `[]`, which are never meant as numbers; we refuse them, and NaN/Infinity.
 * - `boolean` accepts a boolean or `"true"`, `"false"`, `"yes"`, `"no"` in any case, surrounding spaces
 *   ignored (Helicone does not trim).
 * - `0`, `false` and `""` are present values (Helicone's `if (!value)` treats them as missing). Only
 *   `undefined` (or a missing key) is missing; `null` is an error: it is not a value of any type.
 *
 * In text the value is inserted as `String(value)`, verbatim ("yes" stays "yes", " 7 " stays " 7 "), as
 * Helicone does; only a whole-value JSON placeholder gets the converted value (42, true).
 */
import type { TInputError, TTemplateVariable, TVariableType } from "@promptreg/contracts";
import type { Resolved } from "./apply.js";

const DECIMAL_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_WORDS = new Map<string, boolean>([
  ["true", true],
  ["yes", true],
  ["false", false],
  ["no", false],
]);

// Each description starts with the declared type, so a message ("expected a number …") and its error's
// `expected` ("number") say the same thing; what else is accepted follows in parentheses.
const EXPECTED: Record<TVariableType, string> = {
  string: "a string (a number or boolean is used as its text)",
  number: 'a number (or a numeric string such as "42")',
  boolean: 'a boolean (or one of "true", "false", "yes", "no")',
};

/** The value to substitute for `value` given as a `type` variable, or undefined when it is not one. */
export function resolveValue(value: unknown, type: TVariableType): Resolved | undefined {
  switch (type) {
    case "string":
      if (typeof value === "string") return { text: value, json: value };
      if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
        const text = String(value);
        return { text, json: text };
      }
      return undefined;
    case "number":
      if (typeof value === "number") return Number.isFinite(value) ? { text: String(value), json: value } : undefined;
      if (typeof value === "string") {
        const trimmed = value.trim();
        if (!DECIMAL_RE.test(trimmed)) return undefined;
        const number = Number(trimmed);
        return Number.isFinite(number) ? { text: value, json: number } : undefined;
      }
      return undefined;
    case "boolean":
      if (typeof value === "boolean") return { text: String(value), json: value };
      if (typeof value === "string") {
        const word = BOOLEAN_WORDS.get(value.trim().toLowerCase());
        return word === undefined ? undefined : { text: value, json: word };
      }
      return undefined;
  }
}

/** The input named `name`, own properties only: `{{constructor}}` must not read Object.prototype. */
export function inputValue(inputs: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(inputs, name) ? inputs[name] : undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
    case "number":
    case "boolean":
      return `the ${typeof value} ${String(value)}`;
    case "bigint":
      return `the bigint ${String(value)}n`;
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

export function missingInput(name: string, type: TVariableType): TInputError {
  // `value: null`, not undefined, so the entry keeps its four keys once serialised to JSON.
  return { variable: name, expected: type, value: null, message: `missing input "${name}": expected ${EXPECTED[type]}` };
}

export function wrongType(name: string, type: TVariableType, value: unknown): TInputError {
  return {
    variable: name,
    expected: type,
    value,
    message: `input "${name}" must be ${EXPECTED[type]}, got ${describeValue(value)}`,
  };
}

export function unusedInput(name: string, value: unknown): TInputError {
  return {
    variable: name,
    expected: "none",
    value,
    message: `input "${name}" is not used by this template and was ignored`,
  };
}

/**
 * Resolves each variable's input: `values[i]` is what to substitute for `variables[i]` (undefined when it is
 * missing or invalid, which also yields an error).
 */
export function resolveInputs(
  variables: readonly TTemplateVariable[],
  inputs: Record<string, unknown>,
  errors: TInputError[],
): (Resolved | undefined)[] {
  const values: (Resolved | undefined)[] = new Array<Resolved | undefined>(variables.length);
  for (let i = 0; i < variables.length; i++) {
    const { name, type } = variables[i]!;
    const value = inputValue(inputs, name);
    if (value === undefined) {
      errors.push(missingInput(name, type));
      continue;
    }
    const resolved = resolveValue(value, type);
    if (resolved === undefined) errors.push(wrongType(name, type, value));
    values[i] = resolved;
  }
  return values;
}

/** Warnings for inputs that name no variable (`isUsed` false). */
export function unusedInputs(inputs: Record<string, unknown>, isUsed: (name: string) => boolean): TInputError[] {
  const warnings: TInputError[] = [];
  for (const name of Object.keys(inputs)) {
    if (!isUsed(name)) warnings.push(unusedInput(name, inputs[name]));
  }
  return warnings;
}

/**
 * Checks `inputs` against `variables`. Errors: a missing input, or one that is not a value of its variable's
 * type (see the top of this file for what each type accepts). Warnings: inputs that name no variable.
 */
export function validateInputs(
  variables: TTemplateVariable[],
  inputs: Record<string, unknown>,
): { errors: TInputError[]; warnings: TInputError[] } {
  const errors: TInputError[] = [];
  resolveInputs(variables, inputs, errors);
  const names = new Set(variables.map((v) => v.name));
  return { errors, warnings: unusedInputs(inputs, (name) => names.has(name)) };
}
