import type { TTemplateVariable, TVariableType } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { validateInputs } from "./index.js";

const variable = (name: string, type: TVariableType): TTemplateVariable => ({
  name,
  type,
  syntax: "typed",
  locations: ["/messages/0/content"],
});

const errorsFor = (type: TVariableType, value: unknown) => validateInputs([variable("v", type)], { v: value }).errors;

describe("validateInputs", () => {
  it("reports a missing input with a clear message", () => {
    expect(validateInputs([variable("count", "number")], {})).toEqual({
      errors: [
        {
          variable: "count",
          expected: "number",
          value: null,
          message: 'missing input "count": expected a number (or a numeric string such as "42")',
        },
      ],
      warnings: [],
    });
  });

  it("says in its message the type its `expected` names, for a missing and for a wrong input", () => {
    for (const type of ["string", "number", "boolean"] as const) {
      const [missing] = validateInputs([variable("v", type)], {}).errors;
      const [wrong] = errorsFor(type, { a: 1 });
      expect(missing!.expected).toBe(type);
      expect(missing!.message).toMatch(new RegExp(`^missing input "v": expected a ${type}(?: \\(|$)`));
      expect(wrong!.expected).toBe(type);
      expect(wrong!.message).toMatch(new RegExp(`^input "v" must be a ${type}(?: \\(|,)`));
    }
  });

  it("treats 0, false and the empty string as present values", () => {
    expect(errorsFor("number", 0)).toEqual([]);
    expect(errorsFor("boolean", false)).toEqual([]);
    expect(errorsFor("string", "")).toEqual([]);
    expect(errorsFor("string", 0)).toEqual([]);
    expect(errorsFor("string", false)).toEqual([]);
  });

  it("treats an undefined value as missing and null as a wrong value", () => {
    expect(errorsFor("string", undefined)[0]!.message).toBe('missing input "v": expected a string (a number or boolean is used as its text)');
    expect(errorsFor("string", null)[0]!.message).toBe('input "v" must be a string (a number or boolean is used as its text), got null');
  });

  it("only reads own properties of inputs", () => {
    expect(validateInputs([variable("constructor", "string"), variable("toString", "string")], {}).errors).toHaveLength(2);
  });

  it("accepts numbers and decimal numeric strings for number variables", () => {
    for (const ok of [42, -3.5, 0, 1e21, "42", "-3.5", " 7 ", "+1", "1e3", ".5", "5.", "-0"]) {
      expect(errorsFor("number", ok), JSON.stringify(ok)).toEqual([]);
    }
  });

  it("refuses what is not a decimal number for number variables", () => {
    for (const bad of ["abc", "", " ", "0x10", "0b1", "Infinity", "1e999", "1,000", "1_000", "NaN", NaN, Infinity, true, [], {}, [1]]) {
      const errors = errorsFor("number", bad);
      expect(errors, JSON.stringify(bad)).toHaveLength(1);
      expect(errors[0]!.expected).toBe("number");
      expect(errors[0]!.value).toBe(bad);
    }
    expect(errorsFor("number", "abc")[0]!.message).toBe(
      'input "v" must be a number (or a numeric string such as "42"), got the string "abc"',
    );
    expect(errorsFor("number", true)[0]!.message).toMatch(/got the boolean true$/);
  });

  it("accepts booleans and true/false/yes/no in any case for boolean variables", () => {
    for (const ok of [true, false, "true", "FALSE", "Yes", "no", " yes "]) expect(errorsFor("boolean", ok)).toEqual([]);
    for (const bad of ["1", "0", "y", "on", 1, 0, null, {}]) expect(errorsFor("boolean", bad), JSON.stringify(bad)).toHaveLength(1);
    expect(errorsFor("boolean", 1)[0]!.message).toBe(
      'input "v" must be a boolean (or one of "true", "false", "yes", "no"), got the number 1',
    );
  });

  it("accepts any scalar for string variables, and refuses objects and arrays", () => {
    for (const ok of ["x", 1.5, true, 10n]) expect(errorsFor("string", ok)).toEqual([]);
    expect(errorsFor("string", { a: 1 })[0]!.message).toBe('input "v" must be a string (a number or boolean is used as its text), got an object');
    expect(errorsFor("string", ["a"])[0]!.message).toBe('input "v" must be a string (a number or boolean is used as its text), got an array');
  });

  it("truncates long values in messages", () => {
    const message = errorsFor("number", "x".repeat(500))[0]!.message;
    expect(message.length).toBeLessThan(150);
    expect(message).toContain('..."');
  });

  it("reports unknown inputs as warnings, not errors", () => {
    expect(validateInputs([variable("a", "string")], { a: "x", b: 2 })).toEqual({
      errors: [],
      warnings: [
        { variable: "b", expected: "none", value: 2, message: 'input "b" is not used by this template and was ignored' },
      ],
    });
  });

  it("reports one entry per problem", () => {
    const { errors } = validateInputs([variable("a", "number"), variable("b", "boolean"), variable("c", "string")], {
      a: "x",
      b: "maybe",
    });
    expect(errors.map((e) => [e.variable, e.expected])).toEqual([
      ["a", "number"],
      ["b", "boolean"],
      ["c", "string"],
    ]);
  });
});
