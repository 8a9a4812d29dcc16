import type { TTemplateVariable } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { initialValues, toInputs } from "./inputs";

const variable = (name: string, type: TTemplateVariable["type"]): TTemplateVariable => ({ name, type, syntax: "typed", locations: [] });
const variables = [variable("company", "string"), variable("limit", "number"), variable("vip", "boolean")];

describe("playground inputs", () => {
  it("starts empty (false for booleans) and keeps values of variables that still exist", () => {
    expect(initialValues(variables)).toEqual({ company: "", limit: "", vip: false });
    expect(initialValues(variables, { company: "Acme", vip: true, gone: "x" })).toEqual({ company: "Acme", limit: "", vip: true });
  });

  it("types values: numbers parsed, empty numbers left out, bad numbers passed as typed", () => {
    expect(toInputs(variables, { company: "Acme", limit: " 3 ", vip: true })).toEqual({ company: "Acme", limit: 3, vip: true });
    expect(toInputs(variables, { company: "", limit: "", vip: false })).toEqual({ company: "", vip: false });
    expect(toInputs(variables, { company: "A", limit: "three", vip: false })).toMatchObject({ limit: "three" });
  });
});
