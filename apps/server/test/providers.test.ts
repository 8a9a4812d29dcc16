// Provider routing end to end: the real `openai` SDK -> the gateway -> fake providers on loopback (OpenAI,
// Anthropic Messages, Azure, a second OpenAI-compatible one). Every mapping the issue lists, through real
// HTTP: model/provider routing, chains and their failures, Anthropic's answers, streams, tools, errors.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "../src/testing/index.js";

let openai: FakeLlm;
let anthropic: FakeLlm;
let azure: FakeLlm;
let groq: FakeLlm;
let server: TestServer;
let client: OpenAI;
let promptId: string;
let providersFile: string;

const inputs = { question: "Where is my order?" };
const template = {
  model: "claude-sonnet-4/anthropic",
  temperature: 0.2,
  messages: [
    { role: "system", content: "You are a support agent." },
    { role: "user", content: "{{hc:question:string}}" },
  ],
};

/** The breaker is off for the shared server (tests that fail providers on purpose would trip it); its own test starts a server with one. */
function writeProviders(breaker = "breaker: { failureThreshold: 0 }"): string {
  const dir = mkdtempSync(join(tmpdir(), "promptreg-providers-"));
  const path = join(dir, "providers.yaml");
  // YAML on purpose (JSON is tested in config.test.ts).
  writeFileSync(
    path,
    [
      "providers:",
      "  anthropic:",
      "    type: anthropic",
      `    baseUrl: ${anthropic.url}`,
      "    apiKeyEnv: TEST_ANTHROPIC_KEY",
      "    defaultMaxTokens: 1024",
      "  azure:",
      "    type: azure",
      `    baseUrl: ${azure.url}`,
      "    apiKeyEnv: TEST_AZURE_KEY",
      "    deployments: { gpt-4o: prod-gpt4o }",
      "  groq:",
      "    type: openai",
      `    baseUrl: ${groq.baseUrl}`,
      "    apiKeyEnv: TEST_GROQ_KEY",
      "    headers: { x-extra: from-config }",
      "fallback: { retryAfterBudgetMs: 1500 }",
      breaker,
    ].join("\n"),
  );
  return path;
}

const env = () => ({
  OPENAI_BASE_URL: openai.baseUrl,
  OPENAI_API_KEY: "sk-openai-operator",
  PROMPTREG_PROVIDERS_FILE: providersFile,
  TEST_ANTHROPIC_KEY: "sk-ant-operator",
  TEST_AZURE_KEY: "azure-operator",
  TEST_GROQ_KEY: "gsk-operator",
});

beforeAll(async () => {
  [openai, anthropic, azure, groq] = await Promise.all([startFakeLlm(), startFakeLlm(), startFakeLlm(), startFakeLlm()]);
  providersFile = writeProviders();
  server = await startTestServer(env());
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
  promptId = (await server.rest("POST", "/v1/prompt-2025", { name: "routed", promptBody: template })).body.data.id;
});
afterAll(async () => {
  await server.stop();
  await Promise.all([openai, anthropic, azure, groq].map((f) => f.close()));
});
beforeEach(() => {
  for (const fake of [openai, anthropic, azure, groq]) fake.reset();
});

type Completion = OpenAI.ChatCompletion;
const create = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  client.chat.completions.create(body as never, headers ? { headers } : undefined).withResponse() as unknown as Promise<{ data: Completion; response: Response }>;
const stream = async (body: Record<string, unknown>) => {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  const s = (await client.chat.completions.create({ ...body, stream: true } as never)) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
  const error = await (async () => {
    for await (const chunk of s) chunks.push(chunk);
  })().catch((e: unknown) => e);
  return { chunks, error, text: chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("") };
};

describe("routing by model/provider", () => {
  it("a version's stored model/anthropic goes to Anthropic's Messages API, translated both ways", async () => {
    const { data, response } = await create({ prompt_id: promptId, inputs, max_tokens: 50 });
    expect(data.choices[0]!.message.content).toBe("echo: Where is my order?");
    expect(data.choices[0]!.finish_reason).toBe("stop");
    expect(data.object).toBe("chat.completion");
    expect(data.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(response.headers.get("x-prompt-provider")).toBe("anthropic");
    expect(response.headers.get("x-prompt-model")).toBe("claude-sonnet-4");
    expect(response.headers.get("x-upstream-request-id")).toBe("req_fake");

    expect(openai.requests).toHaveLength(0);
    const sent = anthropic.requests[0]!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe("sk-ant-operator");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: "claude-sonnet-4",
      max_tokens: 50,
      system: "You are a support agent.",
      temperature: 0.2,
      messages: [{ role: "user", content: [{ type: "text", text: "Where is my order?" }] }],
    });
  });

  it("sends the provider's default max_tokens when the caller sets none", async () => {
    await create({ prompt_id: promptId, inputs });
    expect(anthropic.requests[0]!.body.max_tokens).toBe(1024);
  });

  it("the caller's model routes too, and overrides the version's", async () => {
    const { response } = await create({ prompt_id: promptId, inputs, model: "llama-3.1-8b/groq" });
    expect(response.headers.get("x-prompt-provider")).toBe("groq");
    expect(groq.requests[0]!.body.model).toBe("llama-3.1-8b");
    expect(groq.requests[0]!.headers.authorization).toBe("Bearer gsk-operator");
    expect(groq.requests[0]!.headers["x-extra"]).toBe("from-config");
    expect(anthropic.requests).toHaveLength(0);
  });

  it("a suffix that names no provider is part of the model, sent to the default provider unchanged", async () => {
    const { response } = await create({ model: "meta-llama/Llama-3-8b", messages: [{ role: "user", content: "hi" }] });
    expect(openai.requests[0]!.body.model).toBe("meta-llama/Llama-3-8b");
    expect(response.headers.get("x-prompt-provider")).toBe("openai");
    expect(response.headers.get("x-prompt-model")).toBe("meta-llama/Llama-3-8b");
  });

  it("a pass-through call with model/provider is routed (and the suffix removed)", async () => {
    const { data } = await create({ model: "claude-haiku/anthropic", messages: [{ role: "user", content: "plain" }] });
    expect(data.choices[0]!.message.content).toBe("echo: plain");
    expect(anthropic.requests[0]!.body.model).toBe("claude-haiku");
  });

  it("azure: the deployment URL with api-version, the api-key header, the deployment mapped from the model", async () => {
    const { data, response } = await create({ model: "gpt-4o/azure", messages: [{ role: "user", content: "az" }] });
    expect(data.choices[0]!.message.content).toBe("echo: az");
    expect(response.headers.get("x-prompt-provider")).toBe("azure");
    const sent = azure.requests[0]!;
    expect(sent.path).toBe("/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21");
    expect(sent.headers["api-key"]).toBe("azure-operator");
    expect(sent.headers.authorization).toBeUndefined();
  });
});

describe("Anthropic streams through the SDK", () => {
  it("streams text as chat.completion.chunks ending [DONE], with a usage chunk when include_usage is set", async () => {
    anthropic.behave({ kind: "stream", chunks: ["Hel", "lo", " there"] });
    const { chunks, error, text } = await stream({ prompt_id: promptId, inputs, stream_options: { include_usage: true } });
    expect(error).toBeUndefined();
    expect(text).toBe("Hello there");
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(anthropic.requests[0]!.body.stream).toBe(true);
  });

  it("no usage chunk when the caller did not ask for one", async () => {
    const { chunks } = await stream({ prompt_id: promptId, inputs });
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it("a stream cut mid-way ends with an error the SDK raises, after the text that came", async () => {
    anthropic.behave({ kind: "stream", chunks: ["one ", "two ", "three"], cutAfter: 2 });
    const { text, error } = await stream({ prompt_id: promptId, inputs });
    expect(text).toBe("one two ");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/upstream stream (was cut|broke off)/);
  });

  it("an error event mid-stream reaches the SDK in OpenAI's shape", async () => {
    anthropic.behave({ kind: "stream", chunks: ["a", "b"], errorAfter: 1 });
    const { text, error } = await stream({ prompt_id: promptId, inputs });
    expect(text).toBe("a");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/Overloaded/);
  });
});

describe("tool calls both ways through Anthropic", () => {
  const tools = [{ type: "function", function: { name: "track_order", description: "Track an order", parameters: { type: "object", properties: { id: { type: "string" } } } } }];

  it("tools and tool_choice go out translated; a tool_use comes back as tool_calls", async () => {
    anthropic.behave({ kind: "tool_call", name: "track_order", arguments: { id: "A-1" } });
    const { data } = await create({ prompt_id: promptId, inputs, tools, tool_choice: "required" });
    expect(anthropic.requests[0]!.body.tools).toEqual([{ name: "track_order", description: "Track an order", input_schema: { type: "object", properties: { id: { type: "string" } } } }]);
    expect(anthropic.requests[0]!.body.tool_choice).toEqual({ type: "any" });
    expect(data.choices[0]!.finish_reason).toBe("tool_calls");
    expect(data.choices[0]!.message.tool_calls).toEqual([{ id: "toolu_fake", type: "function", function: { name: "track_order", arguments: '{"id":"A-1"}' } }]);
  });

  it("the caller's tool_calls and tool results go out as tool_use and tool_result blocks", async () => {
    await create({
      prompt_id: promptId,
      inputs,
      tools,
      messages: [
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_fake", type: "function", function: { name: "track_order", arguments: '{"id":"A-1"}' } }] },
        { role: "tool", tool_call_id: "toolu_fake", content: "in transit" },
      ],
    });
    expect(anthropic.requests[0]!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Where is my order?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_fake", name: "track_order", input: { id: "A-1" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_fake", content: "in transit" }] },
    ]);
  });

  it("a streamed tool call arrives as tool_calls deltas the SDK can assemble", async () => {
    anthropic.behave({ kind: "tool_call", name: "track_order", arguments: { id: "A-1", carrier: "DHL" }, pieces: 4 });
    const { chunks, error } = await stream({ prompt_id: promptId, inputs, tools });
    expect(error).toBeUndefined();
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: "toolu_fake", function: { name: "track_order" } });
    expect(JSON.parse(calls.map((c) => c.function?.arguments ?? "").join(""))).toEqual({ id: "A-1", carrier: "DHL" });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]!.finish_reason).toBe("tool_calls");
  });
});

describe("errors", () => {
  it("an Anthropic 400 reaches the SDK as a BadRequestError with Anthropic's message", async () => {
    anthropic.behave({ kind: "status", status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "temperature: range is 0 to 1" } } });
    const error = (await create({ prompt_id: promptId, inputs, temperature: 1.5 }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toContain("temperature: range is 0 to 1");
    expect(error.type).toBe("invalid_request_error");
  });

  it("a request Anthropic cannot take is a 400 naming why, before anything is sent", async () => {
    const error = (await create({ prompt_id: promptId, inputs, n: 3 }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toMatch(/n greater than 1 is not supported/);
    expect(anthropic.requests).toHaveLength(0);
  });
});

describe("fallback chains", () => {
  const chain = "gpt-4o-mini/openai,claude-sonnet-4/anthropic";

  it.each([
    [500, { error: { message: "boom" } }],
    [429, { error: { message: "Rate limit reached" } }],
    [503, { error: { message: "overloaded" } }],
  ])("a %i from the first member is passed over: the second serves, and the answer says so", async (status, body) => {
    openai.behave({ kind: "status", status, body });
    const { data, response } = await create({ prompt_id: promptId, inputs, model: chain });
    expect(data.choices[0]!.message.content).toBe("echo: Where is my order?");
    expect(response.headers.get("x-prompt-provider")).toBe("anthropic");
    expect(response.headers.get("x-prompt-model")).toBe("claude-sonnet-4");
    expect(openai.requests[0]!.body.model).toBe("gpt-4o-mini");
    expect(anthropic.requests).toHaveLength(1);
  });

  it("a 400 from the first member is the answer: no fallback for a caller's error", async () => {
    openai.behave({ kind: "status", status: 400, body: { error: { message: "bad request", type: "invalid_request_error" } } });
    await expect(create({ prompt_id: promptId, inputs, model: chain })).rejects.toMatchObject({ status: 400 });
    expect(anthropic.requests).toHaveLength(0);
  });

  it("when every member fails, the last error comes back in OpenAI's shape", async () => {
    openai.behave({ kind: "status", status: 500, body: { error: { message: "boom" } } });
    anthropic.behave({ kind: "status", status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    const error = (await create({ prompt_id: promptId, inputs, model: chain }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.message).toContain("Overloaded");
    expect(error.code).toBe("overloaded_error");
    expect(error.headers?.get("x-prompt-provider")).toBe("anthropic");
    expect(openai.requests).toHaveLength(1);
    expect(anthropic.requests).toHaveLength(1);
  });

  it("an error event before the stream began is a failed attempt: the chain goes on", async () => {
    anthropic.behave({ kind: "stream", chunks: ["x"], errorAfter: 0 });
    const { text, error } = await stream({ prompt_id: promptId, inputs, model: "claude-sonnet-4/anthropic,gpt-4o-mini/openai" });
    expect(error).toBeUndefined();
    expect(text).toBe("echo: Where is my order?");
    expect(openai.requests).toHaveLength(1);
  });

  it("never falls back once anything was relayed: a stream cut mid-way stays cut", async () => {
    openai.behave({ kind: "stream", chunks: ["one ", "two"], cutAfter: 1 });
    const { text, error } = await stream({ prompt_id: promptId, inputs, model: chain });
    expect(text).toBe("one ");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(anthropic.requests).toHaveLength(0);
  });

  it("the caller's own provider key goes to the first member's provider only, never to a fallback of another", async () => {
    openai.behave({ kind: "status", status: 500, body: { error: { message: "boom" } } });
    await create({ prompt_id: promptId, inputs, model: chain }, { "x-upstream-authorization": "Bearer sk-caller-own" });
    expect(openai.requests[0]!.headers.authorization).toBe("Bearer sk-caller-own");
    expect(anthropic.requests[0]!.headers["x-api-key"]).toBe("sk-ant-operator");
    expect(JSON.stringify(anthropic.requests[0]!.headers)).not.toContain("sk-caller-own");
  });

  it("a caller's key meant for Anthropic goes to Anthropic as x-api-key", async () => {
    await create({ prompt_id: promptId, inputs }, { "x-upstream-authorization": "Bearer sk-ant-caller" });
    expect(anthropic.requests[0]!.headers["x-api-key"]).toBe("sk-ant-caller");
  });

  it("waits for a short Retry-After on the last member, within the budget, and retries it", async () => {
    anthropic.behaveNext({ kind: "status", status: 429, body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } }, headers: { "retry-after": "1" } });
    const { data } = await create({ prompt_id: promptId, inputs });
    expect(data.choices[0]!.message.content).toBe("echo: Where is my order?");
    expect(anthropic.requests).toHaveLength(2);
  });

  it("a Retry-After past the budget is passed back at once", async () => {
    anthropic.behave({ kind: "status", status: 429, body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } }, headers: { "retry-after": "30" } });
    const error = (await create({ prompt_id: promptId, inputs }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers?.get("retry-after")).toBe("30");
    expect(anthropic.requests).toHaveLength(1);
  });

  it("a chain member that is empty, or a chain too long, is a 400", async () => {
    await expect(create({ prompt_id: promptId, inputs, model: "a/openai,,b" })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/member 2 of the fallback chain is empty/) });
    await expect(create({ prompt_id: promptId, inputs, model: "a,b,c,d,e,f" })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/at most 5/) });
  });
});

describe("circuit breaker", () => {
  it("after N consecutive failures the provider is skipped for the cool-down, then probed again; /metrics shows it", async () => {
    const breaking = await startTestServer({ ...env(), PROMPTREG_PROVIDERS_FILE: writeProviders("breaker: { failureThreshold: 2, cooldownMs: 5000 }"), MONGODB_DB: server.dbName });
    const client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${breaking.url}/v1`, maxRetries: 0 });
    const create = (body: Record<string, unknown>) => client.chat.completions.create(body as never).withResponse() as unknown as Promise<{ data: Completion; response: Response }>;
    try {
      groq.behave({ kind: "status", status: 502, body: { error: { message: "bad gateway" } } });
      const chain = "llama/groq,claude-sonnet-4/anthropic";
      for (let i = 0; i < 2; i++) await create({ prompt_id: promptId, inputs, model: chain });
      expect(groq.requests).toHaveLength(2);
      const metrics = async () => (await fetch(`${breaking.url}/metrics`)).text();
      expect(await metrics()).toMatch(/promptreg_provider_circuit_state\{provider="groq"\} 2/);

      const { response } = await create({ prompt_id: promptId, inputs, model: chain });
      expect(response.headers.get("x-prompt-provider")).toBe("anthropic");
      expect(groq.requests).toHaveLength(2); // skipped, not called
      expect(await metrics()).toMatch(/promptreg_provider_attempts_total\{provider="groq",outcome="circuit_open"\} 1/);

      // A lone member whose breaker is open answers 503 at once, with Retry-After.
      const alone = (await create({ prompt_id: promptId, inputs, model: "llama/groq" }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(alone.status).toBe(503);
      expect(alone.code).toBe("provider_unavailable");
      expect(Number(alone.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);

      // Past the cool-down (5 s: long enough that a loaded machine does not reach it before the checks above).
      groq.reset();
      const deadline = Date.now() + 30_000;
      let served: string | null = null;
      while (Date.now() < deadline && served !== "groq") {
        await new Promise((r) => setTimeout(r, 250));
        served = (await create({ prompt_id: promptId, inputs, model: chain })).response.headers.get("x-prompt-provider");
      }
      expect(served).toBe("groq");
      expect(await metrics()).toMatch(/promptreg_provider_circuit_state\{provider="groq"\} 0/);
    } finally {
      await breaking.stop();
    }
  });
});

describe("provider-side leaks", () => {
  it("connection refused: a generic 502 with the request id, no address", async () => {
    const closed = await startFakeLlm();
    await closed.close();
    const isolated = await startTestServer({ OPENAI_BASE_URL: closed.baseUrl, MONGODB_DB: server.dbName });
    try {
      const sdk = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${isolated.url}/v1`, maxRetries: 0 });
      const error = (await sdk.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }, { headers: { "x-request-id": "req-leak-1" } }).catch((e: unknown) => e)) as InstanceType<
        typeof OpenAI.APIError
      >;
      expect(error.status).toBe(502);
      expect(error.message).toContain("request id req-leak-1");
      expect(error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:\d{2,5}/);
    } finally {
      await isolated.stop();
    }
  });

  it("openai-organization / openai-project are not forwarded unless the operator allows it", async () => {
    const orgHeaders = { "openai-organization": "org-caller", "openai-project": "proj-caller" };
    await create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }, orgHeaders);
    expect(openai.requests[0]!.headers["openai-organization"]).toBeUndefined();
    expect(openai.requests[0]!.headers["openai-project"]).toBeUndefined();

    const allowing = await startTestServer({ ...env(), PROMPTREG_FORWARD_OPENAI_ORG_HEADERS: "true", MONGODB_DB: server.dbName });
    try {
      const sdk = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${allowing.url}/v1`, maxRetries: 0 });
      await sdk.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }, { headers: orgHeaders });
      expect(openai.requests[1]!.headers["openai-organization"]).toBe("org-caller");
      expect(openai.requests[1]!.headers["openai-project"]).toBe("proj-caller");
      // Never to a provider of another kind.
      await sdk.chat.completions.create({ model: "c/anthropic", messages: [{ role: "user", content: "x" }] }, { headers: orgHeaders });
      expect(anthropic.requests[0]!.headers["openai-organization"]).toBeUndefined();
    } finally {
      await allowing.stop();
    }
  });
});
