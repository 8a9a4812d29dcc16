/**
 * Parity with Helicone's own SDK (@helicone/helpers 1.8.3): HeliconePromptManager.mergePromptBody is the
 * merge + compile step of its getPromptBody, callable without network once the body is in hand. For valid
 * inputs without falsy values, our compiled body must serialise to the same bytes, key order included.
 * The "differences" block pins every deliberate departure, so a change on either side shows up here.
 */
import type { TPromptBody } from "@promptreg/contracts";
import { HeliconePromptManager } from "@helicone/helpers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { compilePrepared, compilePrompt, prepareTemplate } from "./index.js";

type Request = { inputs?: Record<string, unknown>; [k: string]: unknown };

const manager = new HeliconePromptManager({ apiKey: "sk-helicone-dummy-no-network" });

async function heliconeCompile(template: TPromptBody, request: Request) {
  const { body, errors } = await manager.mergePromptBody(request as never, template as never);
  return { body: JSON.parse(JSON.stringify(body)) as Record<string, unknown>, errors };
}

beforeAll(() => {
  // mergePromptBody is pure; make sure nothing here reaches the network.
  vi.stubGlobal("fetch", () => Promise.reject(new Error("no network in parity tests")));
});
afterAll(() => {
  vi.unstubAllGlobals();
});

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather in {{hc:city:string}}",
    parameters: {
      type: "object",
      properties: {
        "{{hc:unit_field:string}}": { type: "string", enum: ["c", "f"] },
        days: { type: "integer", maximum: "{{hc:max_days:number}}" },
        detailed: { type: "boolean", default: "{{hc:detailed:boolean}}" },
      },
      required: ["{{hc:unit_field:string}}"],
    },
  },
};

const cases: { name: string; template: TPromptBody; request: Request }[] = [
  {
    name: "support prompt, spaces in placeholders, caller messages appended and compiled",
    template: {
      model: "gpt-4o-mini",
      temperature: 0.4,
      messages: [
        { role: "system", content: "You support {{ hc : company : string }} customers. Tier: {{hc:tier:number}}." },
        { role: "user", content: "I am {{hc:customer_name:string}}; my issue: {{hc:issue_type:string}} (VIP: {{hc:vip:boolean}})" },
      ],
    },
    request: {
      prompt_id: "abc123",
      environment: "production",
      model: "gpt-4o",
      stream: true,
      inputs: { company: "TechCorp", tier: "3", customer_name: "Sarah", issue_type: "billing", vip: "yes" },
      messages: [
        { role: "assistant", content: "Hello {{hc:customer_name:string}}!" },
        { role: "user", content: "Thanks" },
      ],
    },
  },
  {
    name: "content parts, non-text parts, assistant tool calls",
    template: {
      model: "gpt-4o",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe {{hc:subject:string}} in {{hc:words:number}} words" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
            { type: "text", text: "{{hc:style:string}}{{hc:subject:string}}" },
          ],
        },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "ok" },
      ],
    },
    request: { prompt_id: "abc123", inputs: { subject: "a cat", words: 50, style: "Poetic: " } },
  },
  {
    name: "tools with JSON schema keys and whole values, caller tools appended",
    template: {
      model: "gpt-4o",
      messages: [{ role: "user", content: "Weather for {{hc:city:string}}?" }],
      tools: [weatherTool],
      tool_choice: "auto",
    },
    request: {
      prompt_id: "abc123",
      version_id: "7f9c0c2e-0000-4000-8000-000000000000",
      inputs: { city: "Oslo", unit_field: "unit", max_days: 7, detailed: true },
      tools: [{ type: "function", function: { name: "get_time", description: "Time in {{hc:city:string}}" } }],
    },
  },
  {
    name: "response_format from the template, compiled, keys included",
    template: {
      model: "gpt-4o",
      messages: [{ role: "system", content: "Answer as {{hc:persona:string}}" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "{{hc:schema_name:string}}",
          strict: true,
          schema: { type: "object", properties: { "{{hc:answer_key:string}}": { type: "string", description: "max {{hc:limit:number}} chars" } } },
        },
      },
    },
    request: { prompt_id: "abc123", inputs: { persona: "a pirate", schema_name: "reply", answer_key: "text", limit: 80 } },
  },
  {
    name: "caller response_format overrides the template's, and is compiled",
    template: {
      model: "gpt-4o",
      messages: [{ role: "system", content: "Hi {{hc:name:string}}" }],
      response_format: { type: "json_object" },
    },
    request: {
      prompt_id: "abc123",
      inputs: { name: "Ada" },
      response_format: { type: "json_schema", json_schema: { name: "{{hc:name:string}}_schema", schema: { type: "object" } } },
      max_tokens: 100,
    },
  },
  {
    name: "no placeholders at all, tools kept, other fields overridden",
    template: {
      model: "gpt-4o",
      temperature: 1,
      top_p: 0.9,
      messages: [{ role: "system", content: "Static prompt with {braces} and {{#if x}} text" }],
      tools: [{ type: "function", function: { name: "noop", parameters: { type: "object", properties: {} } } }],
    },
    request: { prompt_id: "abc123", temperature: 0.1, seed: 42, user: "u-1", messages: [{ role: "user", content: "go" }] },
  },
  {
    name: "input values holding placeholder syntax are inserted literally (both are single pass)",
    template: {
      model: "gpt-4o",
      messages: [{ role: "user", content: "A={{hc:a:string}} B={{hc:b:string}} é漢字🙂 {{hc:a:string}}" }],
    },
    request: { prompt_id: "abc123", inputs: { a: "{{hc:b:string}}", b: "$& $1 $$" } },
  },
  {
    name: "numeric and boolean strings in text stay verbatim",
    template: {
      model: "gpt-4o",
      messages: [{ role: "user", content: "n={{hc:n:number}} m={{hc:m:number}} b={{hc:b:boolean}} c={{hc:c:boolean}}" }],
    },
    request: { prompt_id: "abc123", inputs: { n: "-3.5", m: 1e21, b: "No", c: true } },
  },
];

describe("parity with @helicone/helpers mergePromptBody", () => {
  it.each(cases)("$name", async ({ template, request }) => {
    const theirs = await heliconeCompile(template, request);
    expect(theirs.errors).toEqual([]);
    // Refused quirk: Helicone sends `tools: []` when neither side has tools (OpenAI rejects it).
    if (Array.isArray(theirs.body.tools) && theirs.body.tools.length === 0) delete theirs.body.tools;

    const ours = compilePrompt(template, request);
    expect(ours.errors).toEqual([]);
    expect(JSON.stringify(ours.body)).toBe(JSON.stringify(theirs.body));
    expect(JSON.stringify(compilePrepared(prepareTemplate(template), request).body)).toBe(JSON.stringify(theirs.body));
  });
});

describe("parity on random templates", () => {
  // Typed variables only, inputs valid, never falsy, and of their declared JS type (so whole-value
  // placeholders, where Helicone inserts the raw input, agree too).
  const safeText = fc.string({ unit: fc.constantFrom("a", " ", "}", ":", "hc", "é", "\n", "$&", "-", "{x}") });
  const placeholder = fc
    .tuple(fc.constantFrom(["s", "string"], ["t", "string"], ["n", "number"], ["b", "boolean"]), fc.constantFrom("", " ", "\t"))
    .map(([[name, type], sp]) => `{{${sp}hc${sp}:${sp}${name}${sp}:${sp}${type}${sp}}}`);
  const text = fc.array(fc.tuple(safeText, placeholder), { maxLength: 5 }).chain((pairs) =>
    safeText.map((tail) => pairs.map(([lit, p]) => lit + p).join("") + tail),
  );
  const inputs = fc.record({
    s: safeText.filter((v) => v.length > 0),
    t: fc.constantFrom("{{hc:s:string}}", "$1", "{{hc:n:number}}x"),
    n: fc.integer({ min: 1 }),
    b: fc.constant(true),
  });

  it("matches mergePromptBody byte for byte", async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(text, text, text, text, inputs, fc.boolean(), async (system, part, tool, caller, values, withRequestTools) => {
        const template: TPromptBody = {
          model: "m",
          messages: [
            { role: "system", content: system },
            { role: "user", content: [{ type: "text", text: part }] },
          ],
          tools: [{ type: "function", function: { name: "f", description: tool, parameters: { properties: { [tool]: { type: "string" } } } } }],
          response_format: { type: "json_schema", json_schema: { name: system, schema: { description: tool } } },
        };
        const request: Request = {
          prompt_id: "abc123",
          inputs: values,
          messages: [{ role: "user", content: caller }],
          ...(withRequestTools ? { tools: [{ type: "function", function: { name: caller } }] } : {}),
        };
        const theirs = await heliconeCompile(template, request);
        const ours = compilePrompt(template, request);
        expect(ours.errors).toEqual([]);
        // Helicone refuses a non-string input for a placeholder that is a whole object key (we write it
        // with String()): then it has no body to compare with.
        if (theirs.errors.length > 0) {
          expect(theirs.errors).toEqual([expect.objectContaining({ expected: "string" })]);
          return;
        }
        compared++;
        expect(JSON.stringify(ours.body)).toBe(JSON.stringify(theirs.body));
      }),
      { numRuns: 300 },
    );
    expect(compared).toBeGreaterThan(150);
  });
});

describe("deliberate differences from @helicone/helpers", () => {
  const compileBoth = async (template: TPromptBody, request: Request) => ({
    theirs: await heliconeCompile(template, request),
    ours: compilePrompt(template, request),
  });

  it("falsy inputs are substituted (Helicone leaves 0, false and '' in place)", async () => {
    const template: TPromptBody = { model: "m", messages: [{ role: "user", content: "[{{hc:n:number}}|{{hc:b:boolean}}|{{hc:s:string}}]" }] };
    const { theirs, ours } = await compileBoth(template, { inputs: { n: 0, b: false, s: "" } });
    expect((theirs.body.messages as { content: string }[])[0]!.content).toBe("[{{hc:n:number}}|{{hc:b:boolean}}|{{hc:s:string}}]");
    expect((ours.body.messages as { content: string }[])[0]!.content).toBe("[0|false|]");
  });

  it("a missing variable is an error (Helicone silently leaves the placeholder)", async () => {
    const template: TPromptBody = { model: "m", messages: [{ role: "user", content: "Hi {{hc:name:string}}" }] };
    const { theirs, ours } = await compileBoth(template, { inputs: {} });
    expect(theirs.errors).toEqual([]);
    expect(ours.errors.map((e) => e.variable)).toEqual(["name"]);
  });

  it("an empty merged tools list is left out (Helicone sends tools: [])", async () => {
    const { theirs, ours } = await compileBoth({ model: "m", messages: [] }, {});
    expect(theirs.body.tools).toEqual([]);
    expect("tools" in ours.body).toBe(false);
  });

  it("a whole-value placeholder takes the declared type (Helicone inserts the raw input)", async () => {
    const template: TPromptBody = {
      model: "m",
      messages: [],
      tools: [{ type: "function", function: { name: "{{hc:name:string}}", parameters: { maximum: "{{hc:max:number}}", strict: "{{hc:strict:boolean}}" } } }],
    };
    const { theirs, ours } = await compileBoth(template, { inputs: { name: 42, max: "42", strict: "yes" } });
    expect((theirs.body.tools as unknown[])[0]).toEqual({ type: "function", function: { name: 42, parameters: { maximum: "42", strict: "yes" } } });
    expect((ours.body.tools as unknown[])[0]).toEqual({ type: "function", function: { name: "42", parameters: { maximum: 42, strict: true } } });
  });

  it("legacy {{name}} and <helicone-prompt-input /> in the template are substituted (Helicone's SDK ignores them)", async () => {
    const template: TPromptBody = { model: "m", messages: [{ role: "user", content: 'Hi {{name}}, <helicone-prompt-input key="topic" />' }] };
    const { theirs, ours } = await compileBoth(template, { inputs: { name: "Ada", topic: "maths" } });
    expect((theirs.body.messages as { content: string }[])[0]!.content).toBe('Hi {{name}}, <helicone-prompt-input key="topic" />');
    expect((ours.body.messages as { content: string }[])[0]!.content).toBe("Hi Ada, maths");
  });

  it("placeholders in the template's other fields are substituted (Helicone only compiles contents, tools, response_format)", async () => {
    const template: TPromptBody = {
      model: "m",
      metadata: { team: "{{hc:team:string}}" },
      messages: [{ role: "user", name: "{{hc:team:string}}", content: "x" }],
    };
    const { theirs, ours } = await compileBoth(template, { inputs: { team: "billing" } });
    expect(theirs.body.metadata).toEqual({ team: "{{hc:team:string}}" });
    expect(ours.body.metadata).toEqual({ team: "billing" });
    expect((ours.body.messages as { name: string }[])[0]!.name).toBe("billing");
  });

  it("placeholders in non-text content parts are substituted (Helicone passes those parts through)", async () => {
    const template: TPromptBody = {
      model: "m",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://cdn/{{hc:id:string}}.png" } }] }],
    };
    const { theirs, ours } = await compileBoth(template, { inputs: { id: "u1" } });
    const url = (body: Record<string, unknown>) => (body.messages as { content: { image_url: { url: string } }[] }[])[0]!.content[0]!.image_url.url;
    expect(url(theirs.body)).toBe("https://cdn/{{hc:id:string}}.png");
    expect(url(ours.body)).toBe("https://cdn/u1.png");
  });

  it("objects for a string variable and unknown types are errors (Helicone accepts both)", async () => {
    const template: TPromptBody = { model: "m", messages: [{ role: "user", content: "{{hc:s:string}} {{hc:d:date}}" }] };
    const { theirs, ours } = await compileBoth(template, { inputs: { s: { a: 1 }, d: "2024-01-01" } });
    expect(theirs.errors).toEqual([]);
    expect((theirs.body.messages as { content: string }[])[0]!.content).toBe("[object Object] 2024-01-01");
    expect(ours.errors.map((e) => e.variable)).toEqual(["d", "s"]);
  });

  it("a numeric string that Number() accepts but is not decimal is refused (Helicone accepts '0x10', '', true)", async () => {
    const template: TPromptBody = { model: "m", messages: [{ role: "user", content: "{{hc:n:number}}" }] };
    const { theirs, ours } = await compileBoth(template, { inputs: { n: "0x10" } });
    expect(theirs.errors).toEqual([]);
    expect(ours.errors.map((e) => [e.variable, e.expected])).toEqual([["n", "number"]]);
  });

  it("a caller field sent as undefined does not erase the template's (Helicone's spread drops model)", async () => {
    const { theirs, ours } = await compileBoth({ model: "m", messages: [] }, { model: undefined });
    expect(theirs.body.model).toBeUndefined();
    expect(ours.body.model).toBe("m");
  });
});
