import type { TTemplateVariable } from "@promptreg/contracts";
import { compilePrompt } from "@promptreg/template";
import { describe, expect, it } from "vitest";
import { initialValues, inputProblems, toInputs } from "./inputs";

const variable = (name: string, type: TTemplateVariable["type"]): TTemplateVariable => ({ name, type, syntax: "typed", locations: [] });
const variables = [variable("company", "string"), variable("limit", "number"), variable("formal", "boolean")];
const body = { model: "m", messages: [{ role: "user" as const, content: "{{hc:company:string}} {{hc:limit:number}} {{hc:formal:boolean}}" }] };

/** The problems the playground shows for these field values, with the real engine's errors. */
function problems(values: Record<string, string | boolean>) {
  const inputs = toInputs(variables, values);
  return inputProblems(variables, values, compilePrompt(body, { inputs }).errors);
}

describe("inputs", () => {
  it("types each input as its variable says", () => {
    expect(toInputs(variables, { company: "Acme", limit: " 3 ", formal: true })).toEqual({ company: "Acme", limit: 3, formal: true });
    // An empty number is left out (missing); a bad one is sent as typed, for the engine to name.
    expect(toInputs(variables, { company: "", limit: "", formal: false })).toEqual({ company: "", formal: false });
    expect(toInputs(variables, { company: "x", limit: "abc", formal: false })).toMatchObject({ limit: "abc" });
    expect(initialValues(variables, { company: "kept", limit: 5 as unknown as string })).toEqual({ company: "kept", limit: "", formal: false });
  });

  it("flags empty and blank text although the gateway would take it, a missing or wrong number, nothing for booleans", () => {
    expect([...problems({ company: "", limit: "", formal: false })]).toEqual([
      ["company", "Required: this text is empty."],
      ["limit", "Required: enter a number."],
    ]);
    expect(problems({ company: "  ", limit: "2", formal: false }).get("company")).toBe("Required: this text is only spaces.");
    expect(problems({ company: "Acme", limit: "1e999", formal: false }).get("limit")).toMatch(/^input "limit" must be a number/);
    expect(problems({ company: "Acme", limit: "0", formal: false }).size).toBe(0);
  });
});
