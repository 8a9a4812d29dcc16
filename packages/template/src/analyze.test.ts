import { describe, expect, it } from "vitest";
import { analyzeTemplate } from "./index.js";

const body = (...contents: unknown[]) => ({
  model: "gpt-4o",
  messages: contents.map((content) => ({ role: "user", content })),
});

describe("analyzeTemplate: variables", () => {
  it("finds typed variables, spaces allowed around every part", () => {
    const { variables, errors } = analyzeTemplate(body("a {{hc:name:string}} b {{ hc : count : number }} {{hc:ok :boolean }}"));
    expect(errors).toEqual([]);
    expect(variables).toEqual([
      { name: "name", type: "string", syntax: "typed", locations: ["/messages/0/content"] },
      { name: "count", type: "number", syntax: "typed", locations: ["/messages/0/content"] },
      { name: "ok", type: "boolean", syntax: "typed", locations: ["/messages/0/content"] },
    ]);
  });

  it("finds legacy {{name}} variables as untyped strings", () => {
    const { variables } = analyzeTemplate(body("Hello {{ user_name }} and {{-x}}"));
    expect(variables).toEqual([
      { name: "user_name", type: "string", syntax: "legacy", locations: ["/messages/0/content"] },
      { name: "-x", type: "string", syntax: "legacy", locations: ["/messages/0/content"] },
    ]);
  });

  it('treats <helicone-prompt-input key="name" /> as a legacy variable', () => {
    const { variables } = analyzeTemplate(body(`A <helicone-prompt-input key="topic" /> B <helicone-prompt-input  key='tone'/>`));
    expect(variables.map((v) => [v.name, v.type, v.syntax])).toEqual([
      ["topic", "string", "legacy"],
      ["tone", "string", "legacy"],
    ]);
  });

  it("deduplicates by name and lists every location once, in document order", () => {
    const { variables } = analyzeTemplate(
      body("{{hc:a:string}} {{hc:a:string}}", [
        { type: "text", text: "{{hc:b:number}}" },
        { type: "image_url", image_url: { url: "https://x/{{hc:a:string}}" } },
        { type: "text", text: "{{hc:a:string}}" },
      ]),
    );
    expect(variables).toEqual([
      {
        name: "a",
        type: "string",
        syntax: "typed",
        locations: ["/messages/0/content", "/messages/1/content/1/image_url/url", "/messages/1/content/2/text"],
      },
      { name: "b", type: "number", syntax: "typed", locations: ["/messages/1/content/0/text"] },
    ]);
  });

  it("scans tools and response_format, keys included, and any other field", () => {
    const { variables } = analyzeTemplate({
      model: "{{hc:model:string}}",
      messages: [],
      metadata: { "a/b~c": "{{hc:meta:string}}" },
      tools: [
        {
          type: "function",
          function: {
            name: "lookup_{{hc:kind:string}}",
            parameters: { type: "object", properties: { "{{hc:field:string}}": { type: "number", maximum: "{{hc:max:number}}" } } },
          },
        },
      ],
      response_format: { type: "json_schema", json_schema: { name: "r", strict: "{{hc:strict:boolean}}" } },
    });
    expect(Object.fromEntries(variables.map((v) => [v.name, v.locations]))).toEqual({
      model: ["/model"],
      meta: ["/metadata/a~1b~0c"],
      kind: ["/tools/0/function/name"],
      field: ["/tools/0/function/parameters/properties/{{hc:field:string}}"],
      max: ["/tools/0/function/parameters/properties/{{hc:field:string}}/maximum"],
      strict: ["/response_format/json_schema/strict"],
    });
  });

  it("gives a variable written legacy and typed the typed declaration's type, without error", () => {
    const { variables, errors } = analyzeTemplate(body("{{n}}", "{{hc:n:number}}"));
    expect(errors).toEqual([]);
    expect(variables).toEqual([
      { name: "n", type: "number", syntax: "typed", locations: ["/messages/0/content", "/messages/1/content"] },
    ]);
  });
});

describe("analyzeTemplate: errors", () => {
  it("reports a variable declared with two types, once per conflicting type", () => {
    const { errors } = analyzeTemplate(body("{{hc:x:string}}", "{{hc:x:number}} {{hc:x:number}}", "{{hc:x:string}}"));
    expect(errors).toEqual([
      { location: "/messages/1/content", message: 'variable "x" is declared as string and as number ({{hc:x:number}})' },
    ]);
  });

  it("reports unknown hc types", () => {
    const { errors, variables } = analyzeTemplate(body("{{ hc:when:date }}", "{{hc:n:String}}"));
    expect(variables).toEqual([]);
    expect(errors).toEqual([
      { location: "/messages/0/content", message: 'unknown variable type "date" in {{ hc:when:date }} (expected string, number or boolean)' },
      { location: "/messages/1/content", message: 'unknown variable type "String" in {{hc:n:String}} (expected string, number or boolean)' },
    ]);
  });

  it("reports malformed typed variables and partials", () => {
    const { errors } = analyzeTemplate(body("{{hc:x}}", "{{hc:1x:string}}", "{{hcp:abc12:0}}", "{{hcp:abc123:x}}", "{{hcp:abc123:0:}}"));
    expect(errors.map((e) => e.location)).toEqual([0, 1, 2, 3, 4].map((i) => `/messages/${i}/content`));
    expect(errors[0]!.message).toMatch(/^malformed variable \{\{hc:x\}\}/);
    expect(errors[2]!.message).toMatch(/^malformed prompt partial \{\{hcp:abc12:0\}\}/);
  });

  it("leaves other brace text literal, without errors", () => {
    const analysis = analyzeTemplate(body("{{#if x}}a{{/if}} {{}} {{ a b }} {x} { {y} } {{{z}}} {{HC:a:string}} {{hc}}"));
    expect(analysis.errors).toEqual([]);
    // {{{z}}} holds the legacy variable {{z}} (as Helicone's regex would find it); {{hc}} is a legacy name too.
    expect(analysis.variables.map((v) => v.name)).toEqual(["z", "hc"]);
  });
});

describe("analyzeTemplate: partials", () => {
  it("finds partials, defaults the environment, deduplicates by id + index + environment", () => {
    const { partials, errors } = analyzeTemplate(
      body("{{hcp:abc123:0}} {{ hcp : abc123 : 0 : production }}", "{{hcp:abc123:0:staging.v2}} {{hcp:Zz9999:12}}"),
    );
    expect(errors).toEqual([]);
    expect(partials).toEqual([
      { promptId: "abc123", messageIndex: 0, environment: "production", locations: ["/messages/0/content"] },
      { promptId: "abc123", messageIndex: 0, environment: "staging.v2", locations: ["/messages/1/content"] },
      { promptId: "Zz9999", messageIndex: 12, environment: "production", locations: ["/messages/1/content"] },
    ]);
  });
});

describe("analyzeTemplate: robustness", () => {
  it("never throws on odd JSON", () => {
    for (const value of [null, 0, "{{hc:x:string}}", [], {}, [[["{{y}}"]]], { messages: "{{z}}" }, JSON.parse('{"__proto__":"{{p}}"}')]) {
      expect(() => analyzeTemplate(value)).not.toThrow();
    }
    expect(analyzeTemplate("{{hc:x:string}}").variables).toEqual([{ name: "x", type: "string", syntax: "typed", locations: [""] }]);
  });

  it("handles nesting far deeper than the call stack", () => {
    let deep: unknown = "{{hc:deep:string}}";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const { variables } = analyzeTemplate(deep);
    expect(variables[0]!.name).toBe("deep");
    expect(variables[0]!.locations[0]!.length).toBe(200_000);
  });

  // How its time grows with the template (linear: 10x the variables, ~10x the time) is measured by
  // bench/compile.bench.ts, not here: a timed assertion fails on a loaded machine, not on a regression.
  it("analyses a 20,000-variable template: every variable found once, in order", () => {
    const n = 20_000;
    const template = body(...Array.from({ length: n / 10 }, (_, m) => Array.from({ length: 10 }, (_, i) => `text {{hc:v${m * 10 + i}:string}}`).join(" ")));
    const { variables, errors } = analyzeTemplate(template);
    expect(errors).toEqual([]);
    expect(variables).toHaveLength(n);
    expect(variables.map((v) => v.name)).toEqual(Array.from({ length: n }, (_, i) => `v${i}`));
    expect(variables[n - 1]!.locations).toEqual([`/messages/${n / 10 - 1}/content`]);
  });
});
