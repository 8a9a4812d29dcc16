import { describe, expect, it } from "vitest";
import { substituteVariables } from "./index.js";
import { deepFreeze } from "./apply.js";

const chat = (content: unknown) => ({ model: "gpt-4o", messages: [{ role: "user", content }] });

describe("substituteVariables: text", () => {
  it("substitutes typed (spaces allowed), legacy and helicone-prompt-input variables", () => {
    const out = substituteVariables(
      chat('{{hc:name:string}}, {{ hc : age : number }}, {{ city }}, <helicone-prompt-input key="topic" />.'),
      { name: "Ada", age: 36, city: "London", topic: "maths" },
    );
    expect(out.messages[0]!.content).toBe("Ada, 36, London, maths.");
  });

  it("substitutes text content parts and leaves other parts alone", () => {
    const image = { type: "image_url", image_url: { url: "https://x/a.png" } };
    const out = substituteVariables(chat([{ type: "text", text: "Hi {{hc:n:string}}" }, image]), { n: "Bo" });
    expect(out.messages[0]!.content).toEqual([{ type: "text", text: "Hi Bo" }, image]);
  });

  it("substitutes falsy inputs like any other value (Helicone leaves 0, false and '' in place)", () => {
    const out = substituteVariables(chat("[{{hc:n:number}}|{{hc:b:boolean}}|{{hc:s:string}}]"), { n: 0, b: false, s: "" });
    expect(out.messages[0]!.content).toBe("[0|false|]");
  });

  it("inserts values verbatim in text, as Helicone does", () => {
    const out = substituteVariables(chat("{{hc:n:number}}/{{hc:b:boolean}}"), { n: " 7 ", b: "YES" });
    expect(out.messages[0]!.content).toBe(" 7 /YES");
  });

  it("keeps message text a string even when it is a single placeholder", () => {
    const out = substituteVariables(chat("{{hc:n:number}}"), { n: 42 });
    expect(out.messages[0]!.content).toBe("42");
  });

  it("is single pass: a value holding placeholder syntax is inserted literally", () => {
    const out = substituteVariables(chat("A={{hc:a:string}} B={{hc:b:string}} C={{c}}"), {
      a: "{{hc:b:string}}",
      b: "{{c}} {{hcp:abc123:0}}",
      c: '<helicone-prompt-input key="a" />',
    });
    expect(out.messages[0]!.content).toBe(
      'A={{hc:b:string}} B={{c}} {{hcp:abc123:0}} C=<helicone-prompt-input key="a" />',
    );
  });

  it("leaves missing and invalid variables in place, and text around them byte for byte", () => {
    const out = substituteVariables(chat("  é\u0000{{hc:missing:string}}\n{{hc:n:number}} {{#if}} {{hcp:abc123:0}}  "), { n: "abc" });
    expect(out.messages[0]!.content).toBe("  é\u0000{{hc:missing:string}}\n{{hc:n:number}} {{#if}} {{hcp:abc123:0}}  ");
  });

  it("does not read inherited properties of inputs", () => {
    expect(substituteVariables(chat("{{constructor}} {{hc:toString:string}}"), {}).messages[0]!.content).toBe(
      "{{constructor}} {{hc:toString:string}}",
    );
  });
});

describe("substituteVariables: JSON (tools, response_format, other fields)", () => {
  const template = {
    model: "gpt-4o",
    seed: "{{hc:seed:number}}",
    messages: [],
    tools: [
      {
        type: "function",
        function: {
          name: "get_{{hc:thing:string}}",
          strict: "{{hc:strict:boolean}}",
          parameters: {
            type: "object",
            properties: {
              "{{hc:field:string}}": { type: "number", maximum: "{{hc:max:number}}", description: "max {{hc:max:number}}" },
            },
            required: ["{{hc:field:string}}"],
          },
        },
      },
    ],
    response_format: {
      type: "json_schema",
      json_schema: { name: "{{hc:thing:string}}", schema: { properties: { "{{ hc:field:string }}_id": { type: "string" } } } },
    },
  };

  it("replaces whole-value placeholders by the value converted to the variable's type", () => {
    const out = substituteVariables(template, { seed: "7", thing: "weather", strict: "yes", field: "city", max: "42" });
    expect(out).toEqual({
      model: "gpt-4o",
      seed: 7,
      messages: [],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            strict: true,
            parameters: {
              type: "object",
              properties: { city: { type: "number", maximum: 42, description: "max 42" } },
              required: ["city"],
            },
          },
        },
      ],
      response_format: { type: "json_schema", json_schema: { name: "weather", schema: { properties: { city_id: { type: "string" } } } } },
    });
  });

  it("writes a number given for a whole-value string variable as a string", () => {
    const out = substituteVariables({ a: "{{hc:a:string}}", b: "{{b}}" }, { a: 42, b: true });
    expect(out).toEqual({ a: "42", b: "true" });
  });

  it("takes types from the given variables over the placeholders", () => {
    const out = substituteVariables({ a: "{{a}}" }, { a: "12" }, [{ name: "a", type: "number", syntax: "legacy", locations: ["/a"] }]);
    expect(out).toEqual({ a: 12 });
  });

  it("keeps __proto__ keys as plain data", () => {
    const body = JSON.parse('{"x": {"__proto__": {"polluted": "{{hc:p:string}}"}}}') as { x: Record<string, unknown> };
    const out = substituteVariables(body, { p: "yes" });
    expect(Object.getPrototypeOf(out.x)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"x":{"__proto__":{"polluted":"yes"}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("returns a new value and never mutates its input", () => {
    const frozen = deepFreeze(structuredClone(template));
    const out = substituteVariables(frozen, { thing: "x" });
    expect(out).not.toBe(frozen);
    expect(out.tools[0]).not.toBe(frozen.tools[0]);
    expect(out.messages).not.toBe(frozen.messages);
    expect(frozen).toEqual(template);
    const plain = { model: "m", messages: [{ role: "user", content: "no placeholders" }] };
    const copy = substituteVariables(plain, {});
    expect(copy).toEqual(plain);
    expect(copy.messages[0]).not.toBe(plain.messages[0]);
  });
});
