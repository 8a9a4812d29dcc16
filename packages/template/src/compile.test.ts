import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { compilePrepared, compilePrompt, prepareTemplate } from "./index.js";

const template: TPromptBody = {
  model: "gpt-4o",
  messages: [
    { role: "system", content: "You help {{hc:customer:string}} (tier {{hc:tier:number}})." },
    { role: "user", content: [{ type: "text", text: "Urgent: {{hc:urgent:boolean}}" }] },
  ],
  tools: [
    {
      type: "function",
      function: { name: "refund", parameters: { type: "object", properties: { amount: { type: "number", maximum: "{{hc:limit:number}}" } } } },
    },
  ],
  response_format: { type: "json_schema", json_schema: { name: "{{hc:schema_name:string}}", schema: { type: "object" } } },
  metadata: { team: "{{hc:team:string}}" },
};

const inputs = { customer: "Ada", tier: 2, urgent: "yes", limit: "100", schema_name: "answer", team: "billing" };

// Both entry points must behave the same: every test runs against each.
const compilers: [string, (t: TPromptBody, r: Parameters<typeof compilePrompt>[1]) => ReturnType<typeof compilePrompt>][] = [
  ["compilePrompt", compilePrompt],
  ["compilePrepared", (t, r) => compilePrepared(prepareTemplate(t), r)],
];

describe.each(compilers)("%s", (_, compile) => {
  it("merges and substitutes everything", () => {
    const result = compile(template, { prompt_id: "abc123", inputs, messages: [{ role: "user", content: "hi {{hc:customer:string}}" }] });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.body).toEqual({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "You help Ada (tier 2)." },
        { role: "user", content: [{ type: "text", text: "Urgent: yes" }] },
        { role: "user", content: "hi Ada" },
      ],
      tools: [
        { type: "function", function: { name: "refund", parameters: { type: "object", properties: { amount: { type: "number", maximum: 100 } } } } },
      ],
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" } } },
      metadata: { team: "billing" },
    });
    expect(result.variables.map((v) => v.name)).toEqual(["customer", "tier", "urgent", "limit", "schema_name", "team"]);
  });

  it("reports missing and mistyped inputs, and still returns a best-effort body", () => {
    const result = compile(template, { inputs: { customer: "Ada", tier: "two", urgent: 0 } });
    expect(result.errors.map((e) => [e.variable, e.expected])).toEqual([
      ["tier", "number"],
      ["urgent", "boolean"],
      ["limit", "number"],
      ["schema_name", "string"],
      ["team", "string"],
    ]);
    expect(result.body.messages).toEqual([
      { role: "system", content: "You help Ada (tier {{hc:tier:number}})." },
      { role: "user", content: [{ type: "text", text: "Urgent: {{hc:urgent:boolean}}" }] },
    ]);
  });

  it("reports unknown inputs as warnings", () => {
    const result = compile(template, { inputs: { ...inputs, extra: 1 } });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.variable)).toEqual(["extra"]);
  });

  it("does not require variables under fields the caller replaces", () => {
    const { schema_name: _a, team: _b, ...rest } = inputs;
    const result = compile(template, { inputs: rest, response_format: { type: "text" }, metadata: { team: "x" } });
    expect(result.errors).toEqual([]);
    expect(result.body.response_format).toEqual({ type: "text" });
    expect(result.body.metadata).toEqual({ team: "x" });
    expect(result.variables.map((v) => v.name)).toEqual(["customer", "tier", "urgent", "limit"]);
    // An input only the replaced parts used is now unused.
    expect(compile(template, { inputs, response_format: { type: "text" } }).warnings.map((w) => w.variable)).toEqual(["schema_name"]);
  });

  it("compiles the caller's messages, tools and response_format with typed variables only", () => {
    const result = compile(template, {
      inputs: { ...inputs, city: "Paris" },
      messages: [{ role: "user", content: [{ type: "text", text: "{{hc:city:string}} {{city}} {{hc:absent:string}} {{hc:x:date}}" }] }],
      tools: [{ type: "function", function: { name: "t", description: "{{hc:city:string}}", parameters: { maximum: "{{hc:tier:number}}" } } }],
      response_format: { type: "json_schema", json_schema: { name: "{{hc:city:string}}" } },
      user: "{{hc:city:string}}",
    });
    // Legacy syntax, unknown types and missing inputs in the caller's own text are left as written, no error.
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([{ variable: "schema_name", expected: "none", value: "answer", message: expect.any(String) }]);
    expect((result.body.messages as unknown[])[2]).toEqual({
      role: "user",
      content: [{ type: "text", text: "Paris {{city}} {{hc:absent:string}} {{hc:x:date}}" }],
    });
    expect((result.body.tools as unknown[])[1]).toEqual({
      type: "function",
      function: { name: "t", description: "Paris", parameters: { maximum: 2 } },
    });
    expect(result.body.response_format).toEqual({ type: "json_schema", json_schema: { name: "Paris" } });
    // Other caller fields pass through untouched, as in Helicone's SDK.
    expect(result.body.user).toBe("{{hc:city:string}}");
  });

  it("reports a wrongly typed input used by the caller's messages", () => {
    const result = compile(template, { inputs: { ...inputs, n: "many" }, messages: [{ role: "user", content: "{{hc:n:number}}" }] });
    expect(result.errors.map((e) => [e.variable, e.expected])).toEqual([["n", "number"]]);
  });

  it("surfaces template errors and unexpanded partials as errors", () => {
    const broken: TPromptBody = {
      model: "m",
      messages: [{ role: "user", content: "{{hc:d:date}} {{hcp:abc123:1}} {{hc:n:number}} {{hc:n:string}}" }],
    };
    const result = compile(broken, { inputs: { n: 1 } });
    expect(result.errors.map((e) => e.expected)).toEqual(["a valid template", "a valid template", "an expanded prompt partial"]);
    expect(result.errors[0]!.message).toBe(
      'template error at /messages/0/content: unknown variable type "date" in {{hc:d:date}} (expected string, number or boolean)',
    );
    expect(result.errors[2]!.message).toBe(
      "prompt partial abc123:1:production at /messages/0/content was not expanded (expandPartials must run before compiling)",
    );
  });

  it("refuses inputs that are not an object", () => {
    const result = compile(template, { inputs: ["Ada"] as unknown as Record<string, unknown> });
    expect(result.errors[0]).toMatchObject({ variable: "inputs", expected: "object" });
  });

  it("checks each type a caller's text gives one input, whatever their order", () => {
    for (const content of ["{{hc:z:string}} / {{hc:z:number}}", "{{hc:z:number}} / {{hc:z:string}}"]) {
      const bad = compile(template, { inputs: { ...inputs, z: "abc" }, messages: [{ role: "user", content }] });
      expect(bad.errors, content).toEqual([expect.objectContaining({ variable: "z", expected: "number" })]);
      const good = compile(template, { inputs: { ...inputs, z: "42" }, messages: [{ role: "user", content }] });
      expect(good.errors, content).toEqual([]);
      expect((good.body.messages as { content: string }[]).at(-1)!.content).toBe("42 / 42");
    }
  });

  it("does not mutate the template or the request", () => {
    const request = { inputs: { ...inputs }, messages: [{ role: "user", content: "{{hc:customer:string}}" }], stream: true };
    const before = JSON.stringify([template, request]);
    const result = compile(template, request);
    expect(JSON.stringify([template, request])).toBe(before);
    expect(result.body.tools).not.toBe(template.tools);
  });
});

describe("compilePrompt", () => {
  it("returns template parts the caller may mutate freely", () => {
    const plain: TPromptBody = { model: "m", messages: [{ role: "system", content: "static" }], tools: [{ type: "function" }] };
    const { body } = compilePrompt(plain, {});
    (body.messages as { content: string }[])[0]!.content = "changed";
    (body.tools as { type: string }[])[0]!.type = "changed";
    expect(plain.messages[0]!.content).toBe("static");
    expect(plain.tools![0]!.type).toBe("function");
  });
});

describe("prepareTemplate / compilePrepared", () => {
  it("exposes the frozen analysis and body", () => {
    const prepared = prepareTemplate(template);
    expect(Object.isFrozen(prepared.body)).toBe(true);
    expect(Object.isFrozen(prepared.body.messages[0])).toBe(true);
    expect(Object.isFrozen(prepared.variables[0]!.locations)).toBe(true);
    expect(prepared.variables).toHaveLength(6);
    expect(prepared.errors).toEqual([]);
    expect(prepared.body).not.toBe(template);
  });

  it("shares frozen parts of the template, so mutating them throws instead of corrupting the cache", () => {
    const prepared = prepareTemplate({ model: "m", messages: [{ role: "system", content: "static" }] });
    const first = compilePrepared(prepared, {});
    first.body.model = "top-level fields are fine";
    expect(() => {
      (first.body.messages as { content: string }[])[0]!.content = "x";
    }).toThrow(TypeError);
    expect(compilePrepared(prepared, {}).body).toEqual({ model: "m", messages: [{ role: "system", content: "static" }] });
  });

  it("refuses a template that prepareTemplate did not build", () => {
    expect(() => compilePrepared({ ...prepareTemplate(template) }, {})).toThrow(/prepareTemplate/);
  });
});
