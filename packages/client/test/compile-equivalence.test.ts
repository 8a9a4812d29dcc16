// The must-show: for the same prompts and inputs, the body our PromptManager builds equals (a) what
// the gateway sends upstream (the real `openai` SDK pointed at the server, a fake upstream recording the
// body) and, where API.md does not tell us to differ, (b) what Helicone's own SDK (`@helicone/helpers`
// HeliconePromptManager) builds from our REST endpoints and signed body URLs.
import { HeliconePromptManager } from "@helicone/helpers";
import type { TPromptBody } from "@promptreg/contracts";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestClient, PromptManager, type PromptBodyRequest } from "../src/index.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";

let fake: FakeLlm;
let server: TestServer;
let openai: OpenAI;
let helicone: HeliconePromptManager;
let prompts: PromptManager;
const ids: Record<string, string> = {};

/** Typed variables in message text and text parts, tools (names, descriptions, whole-value numbers) and response_format. */
const support = (greeting: string): TPromptBody => ({
  model: "gpt-4o-mini",
  temperature: 0.2,
  max_tokens: 50,
  messages: [
    { role: "system", content: `${greeting} You support {{hc:company:string}}. Max {{hc:limit:number}} items. Formal: {{hc:formal:boolean}}.` },
    {
      role: "user",
      content: [
        { type: "text", text: "{{hc:question:string}}" },
        { type: "text", text: "(asked at {{ hc : company : string }})" },
      ],
    },
  ],
  tools: [
    {
      type: "function",
      function: {
        name: "lookup_{{hc:company:string}}",
        description: "Finds orders of {{hc:company:string}}",
        parameters: { type: "object", properties: { n: { type: "integer", maximum: "{{hc:limit:number}}" } } },
      },
    },
  ],
  response_format: {
    type: "json_schema",
    json_schema: {
      name: "answer",
      schema: { type: "object", properties: { company: { type: "string", const: "{{hc:company:string}}" }, count: { type: "integer", maximum: "{{hc:limit:number}}" } } },
    },
  },
});

const inputs = { company: "Acme", limit: 3, formal: true, question: "Where is my order?" };

beforeAll(async () => {
  fake = await startFakeLlm();
  server = await startTestServer({ OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: "sk-upstream" });
  openai = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
  helicone = new HeliconePromptManager({ apiKey: ADMIN_KEY, baseUrl: server.url });
  prompts = new PromptManager({ url: server.url, apiKey: ADMIN_KEY, subscribe: false });

  const rest = createRestClient({ url: server.url, apiKey: ADMIN_KEY });
  const created = await rest.createPrompt({ name: "equivalence", promptBody: support("Hello.") });
  ids["support"] = created.id;
  ids["v10"] = created.versionId;
  ids["v11"] = (await rest.createVersion({ promptId: created.id, promptVersionId: created.versionId, environment: "staging", promptBody: support("Hi!") })).id;
  ids["plain"] = (
    await rest.createPrompt({
      name: "no tools",
      promptBody: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Summarise {{hc:question:string}} for {{hc:company:string}}" }] },
    })
  ).id;
  ids["legacy"] = (
    await rest.createPrompt({
      name: "legacy",
      promptBody: {
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "Agent of {{hc:company:string}}." },
          { role: "user", content: "{{user_question}}" },
        ],
      },
    })
  ).id;
  const shared = await rest.createPrompt({ name: "shared", promptBody: { model: "m", messages: [{ role: "system", content: "Always be kind to {{hc:company:string}}." }] } });
  ids["partials"] = (
    await rest.createPrompt({
      name: "with partial",
      promptBody: { model: "gpt-4o-mini", messages: [{ role: "system", content: `{{hcp:${shared.id}:0}} Then: {{hc:question:string}}` }] },
    })
  ).id;
});
afterAll(async () => {
  prompts.close();
  await server.stop();
  await fake.close();
});

/** (a) ours, (b) what the gateway sent upstream, (c) Helicone's SDK. */
async function threeBodies(request: PromptBodyRequest) {
  const ours = await prompts.getPromptBody(request);
  expect(ours.errors).toEqual([]);

  fake.reset();
  await openai.chat.completions.create(request as never);
  expect(fake.requests).toHaveLength(1);
  const { stream: _stream, ...gateway } = fake.requests[0]!.body as Record<string, unknown>;

  const fromHelicone = await helicone.getPromptBody(request as never);
  return { ours: ours.body, gateway, helicone: fromHelicone.body as unknown, heliconeErrors: fromHelicone.errors };
}

describe("PromptManager = gateway = Helicone's SDK", () => {
  const cases: Array<[string, () => PromptBodyRequest]> = [
    ["production by default (tools, response_format, text parts, typed variables)", () => ({ prompt_id: ids["support"]!, inputs })],
    ["an environment", () => ({ prompt_id: ids["support"]!, environment: "staging", inputs })],
    ["a version_id", () => ({ prompt_id: ids["support"]!, version_id: ids["v11"]!, inputs })],
    ["environment over version_id", () => ({ prompt_id: ids["support"]!, version_id: ids["v11"]!, environment: "production", inputs })],
    [
      "the caller's messages, tools, response_format and parameters merged",
      () => ({
        prompt_id: ids["support"]!,
        inputs,
        model: "gpt-4o",
        temperature: 1,
        user: "u-42",
        messages: [{ role: "user", content: "And for {{hc:company:string}}, {{hc:limit:number}} more?" }],
        tools: [{ type: "function", function: { name: "escalate", parameters: { type: "object", properties: {} } } }],
        response_format: { type: "json_schema", json_schema: { name: "short_{{hc:company:string}}", schema: { type: "object" } } },
      }),
    ],
  ];

  for (const [name, request] of cases) {
    it(name, async () => {
      const { ours, gateway, helicone: theirs, heliconeErrors } = await threeBodies(request());
      expect(gateway).toEqual(ours);
      expect(heliconeErrors).toEqual([]);
      expect(theirs).toEqual(ours);
      // Byte for byte too (key order included), once Helicone's `response_format: undefined` is dropped.
      expect(JSON.stringify(theirs)).toBe(JSON.stringify(ours));
    });
  }

  it("compiles the expected body (sanity check of the shared result)", async () => {
    const { ours } = await threeBodies({ prompt_id: ids["support"]!, inputs });
    expect(ours).toEqual({
      model: "gpt-4o-mini",
      temperature: 0.2,
      max_tokens: 50,
      messages: [
        { role: "system", content: "Hello. You support Acme. Max 3 items. Formal: true." },
        {
          role: "user",
          content: [
            { type: "text", text: "Where is my order?" },
            { type: "text", text: "(asked at Acme)" },
          ],
        },
      ],
      tools: [
        {
          type: "function",
          function: { name: "lookup_Acme", description: "Finds orders of Acme", parameters: { type: "object", properties: { n: { type: "integer", maximum: 3 } } } },
        },
      ],
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object", properties: { company: { type: "string", const: "Acme" }, count: { type: "integer", maximum: 3 } } } },
      },
    });
  });
});

describe("where Helicone's SDK differs on purpose (API.md), ours still equals the gateway", () => {
  it("falsy inputs are values: substituted by us and the gateway; Helicone's SDK leaves the placeholders", async () => {
    const request = { prompt_id: ids["support"]!, inputs: { company: "", limit: 0, formal: false, question: "0" } };
    const { ours, gateway, helicone: theirs } = await threeBodies(request);
    expect(gateway).toEqual(ours);
    expect((ours as { messages: Array<{ content: unknown }> }).messages[0]!.content).toBe("Hello. You support . Max 0 items. Formal: false.");
    expect((theirs as { messages: Array<{ content: unknown }> }).messages[0]!.content).toBe(
      "Hello. You support {{hc:company:string}}. Max {{hc:limit:number}} items. Formal: {{hc:formal:boolean}}.",
    );
  });

  it("no tools: we leave `tools` out; Helicone's SDK sends `tools: []`, which OpenAI rejects", async () => {
    const { ours, gateway, helicone: theirs } = await threeBodies({ prompt_id: ids["plain"]!, inputs: { question: "the thread", company: "Acme" } });
    expect(gateway).toEqual(ours);
    expect(ours).not.toHaveProperty("tools");
    expect(theirs).toEqual({ ...ours, tools: [] });
  });

  it("legacy {{name}} variables: substituted by us and the gateway; Helicone's SDK leaves them", async () => {
    const { ours, gateway, helicone: theirs } = await threeBodies({ prompt_id: ids["legacy"]!, inputs: { company: "Acme", user_question: "Where?" } });
    expect(gateway).toEqual(ours);
    expect(ours).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Agent of Acme." },
        { role: "user", content: "Where?" },
      ],
    });
    expect(theirs).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Agent of Acme." },
        { role: "user", content: "{{user_question}}" },
      ],
      tools: [],
    });
  });

  it("prompt partials: expanded by us and the gateway; Helicone's getPromptBody leaves {{hcp:…}}", async () => {
    const { ours, gateway, helicone: theirs } = await threeBodies({ prompt_id: ids["partials"]!, inputs: { company: "Acme", question: "Why?" } });
    expect(gateway).toEqual(ours);
    expect((ours as { messages: Array<{ content: unknown }> }).messages[0]!.content).toBe("Always be kind to Acme. Then: Why?");
    expect((theirs as { messages: Array<{ content: string }> }).messages[0]!.content).toMatch(/^\{\{hcp:[a-zA-Z0-9]{6}:0\}\} Then: Why\?$/);
  });
});
