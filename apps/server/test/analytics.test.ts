// Every gateway prompt call recorded and measured: the real `openai` SDK as the caller, the fake LLM as the
// provider, the request log and metrics read back over REST. Counts, tokens, cost, provider errors (5xx,
// 502, 504, a stream cut mid-way) against calls that are recorded but are not provider errors (invalid
// inputs, an unknown environment, a provider's 429), streams with and without the caller asking for usage
// (the usage event the gateway asked for never reaches a caller who did not), and input capture.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calcPrice } from "@pydantic/genai-prices";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let fake: FakeLlm;
let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  server = await startTestServer({
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: "sk-upstream",
    PROMPTREG_UPSTREAM_TIMEOUT_MS: "400",
    PROMPTREG_ANALYTICS_FLUSH_MS: "100",
  });
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.stop();
  await fake.close();
});
beforeEach(() => fake.reset());

const inputs = { company: "Acme", customer: "Ann", question: "Where is my order?" };

async function newPrompt(name: string) {
  const created = await server.rest("POST", "/v1/prompt-2025", { name, promptBody: sampleBody() });
  return created.body.data as { id: string; versionId: string };
}

const create = (body: Record<string, unknown>) => client.chat.completions.create(body as never) as unknown as Promise<OpenAI.ChatCompletion>;

/** The request log of a prompt once it holds `count` calls (polled: a call is counted within seconds). */
async function requestsOnce(promptId: string, count: number, filter: Record<string, unknown> = {}): Promise<any[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await server.rest("POST", "/v1/prompt-2025/query/requests", { promptId, ...filter });
    expect(res.status, res.text).toBe(200);
    const data = res.body.data as any[];
    if (data.length >= count || Date.now() > deadline) {
      expect(data).toHaveLength(count);
      return data;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const metrics = async (promptId: string) => {
  const res = await server.rest("POST", "/v1/prompt-2025/query/metrics", { promptId });
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
};

describe("recorded calls", () => {
  it("records each call with its request id, version, model, provider, tokens, cost and latencies", async () => {
    const { id: promptId, versionId } = await newPrompt("recorded");
    const { data, response } = await client.chat.completions.create({ prompt_id: promptId, inputs } as never).withResponse();
    expect((data).choices[0]!.message.content).toContain("Where is my order?");
    await create({ prompt_id: promptId, inputs, model: "gpt-4o" });

    const log = await requestsOnce(promptId, 2);
    const first = log.find((r) => r.request_id === response.headers.get("x-request-id"));
    expect(first).toMatchObject({
      version_id: versionId,
      major_version: 1,
      minor_version: 0,
      environment: "production",
      status: 200,
      stream: false,
      model: "gpt-4o-mini",
      provider: "openai",
      input_tokens: 1,
      output_tokens: 1,
      error_code: null,
      time_to_first_token_ms: null,
      inputs: null,
    });
    expect(first.cost_usd).toBeCloseTo(calcPrice({ input_tokens: 1, output_tokens: 1 }, "gpt-4o-mini", { providerId: "openai" })!.total_price, 12);
    expect(first.latency_ms).toBeGreaterThan(0);
    expect(first.upstream_latency_ms).toBeGreaterThan(0);
    expect(first.upstream_latency_ms).toBeLessThanOrEqual(first.latency_ms);
    expect(log.find((r) => r.request_id !== first.request_id).model).toBe("gpt-4o");

    const [row] = await metrics(promptId);
    expect(row).toMatchObject({ version_id: versionId, requests: 2, errors: 0, input_tokens: 2, output_tokens: 2, priced_requests: 2 });
  });

  it("counts provider failures (500, 502, 504, a stream cut mid-way) as errors, and not invalid inputs, unknown environments or a provider's 429", async () => {
    const { id: promptId } = await newPrompt("failures");
    const failed = (body: Record<string, unknown>) => create({ prompt_id: promptId, inputs, ...body }).then(
      () => undefined,
      (error: unknown) => error,
    );
    fake.behave({ kind: "status", status: 500, body: { error: { message: "boom", type: "server_error", code: "internal" } } });
    expect(await failed({})).toBeInstanceOf(OpenAI.InternalServerError);
    fake.behave({ kind: "status", status: 429, body: { error: { message: "slow down", type: "rate_limit", code: "rate_limit_exceeded" } } });
    expect(await failed({})).toBeInstanceOf(OpenAI.RateLimitError);
    fake.behave({ kind: "destroy" });
    expect(await failed({})).toMatchObject({ status: 502 });
    fake.behave({ kind: "hang" });
    expect(await failed({})).toMatchObject({ status: 504 });
    // First chunk at once, then silence past the upstream timeout: the stream breaks off mid-way.
    fake.behave({ kind: "stream", chunks: ["a", "b"], delayMs: 1500 });
    const stream = await client.chat.completions.create({ prompt_id: promptId, inputs, stream: true } as never);
    await expect(
      (async () => {
        for await (const _ of stream as unknown as AsyncIterable<unknown>) void _;
      })(),
    ).rejects.toThrow(/before it finished/);
    fake.reset();
    expect(await failed({ inputs: { company: "Acme" } })).toBeInstanceOf(OpenAI.BadRequestError);
    expect(await failed({ environment: "nowhere" })).toBeInstanceOf(OpenAI.NotFoundError);
    // An unknown prompt: nothing to record it under.
    expect(await create({ prompt_id: "zzzzzz", inputs }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);

    const log = await requestsOnce(promptId, 7);
    const byStatus = log.map((r) => [r.status, r.error_code, r.version_id === null]).sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1])));
    expect(byStatus).toEqual([
      [200, "upstream_stream_interrupted", false],
      [400, "invalid_inputs", false],
      [404, "prompt_not_found", true],
      [429, "rate_limit_exceeded", false],
      [500, "internal", false],
      [502, "upstream_unreachable", false],
      [504, "upstream_timeout", false],
    ]);
    expect(log.find((r) => r.status === 404).environment).toBe("nowhere");
    const [row] = await metrics(promptId);
    // 500, 502, 504 and the cut stream; the 400, the 429 and the 404 (no version) are not provider errors.
    expect(row).toMatchObject({ requests: 6, errors: 4 });
    expect((await server.rest("POST", "/v1/prompt-2025/query/requests", { promptId, status: "error" })).body.data).toHaveLength(4);
  });
});

describe("streams", () => {
  it("asks the provider for usage and cuts that event when the caller did not ask for it", async () => {
    const { id: promptId } = await newPrompt("stream quiet");
    fake.behave({ kind: "stream", chunks: ["Hel", "lo"] });
    const stream = await client.chat.completions.create({ prompt_id: promptId, inputs, stream: true } as never);
    const chunks: any[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<any>) chunks.push(chunk);
    expect(fake.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    // The SDK saw the content chunks and the finish, never a usage chunk.
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? c.choices[0]?.finish_reason)).toEqual(["Hel", "lo", "stop"]);
    expect(chunks.every((c) => c.choices.length === 1 && !c.usage)).toBe(true);

    const [record] = await requestsOnce(promptId, 1);
    expect(record).toMatchObject({ stream: true, status: 200, input_tokens: 3, output_tokens: 3, error_code: null });
    expect(record.time_to_first_token_ms).toBeGreaterThan(0);
    expect(record.time_to_first_token_ms).toBeLessThanOrEqual(record.latency_ms);
  });

  it("relays the stream byte for byte, usage event included, when the caller asked for usage", async () => {
    const { id: promptId } = await newPrompt("stream usage");
    fake.behave({ kind: "stream", chunks: ["a", "b", "c"] });
    const body = { prompt_id: promptId, inputs, stream: true, stream_options: { include_usage: true } };
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    // What the fake sent for this request, event for event.
    const direct = await fetch(`${fake.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify({ ...fake.requests[0]!.body }) });
    expect(text).toBe(await direct.text());
    expect(text).toContain('"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4');
    const [record] = await requestsOnce(promptId, 1);
    expect(record).toMatchObject({ stream: true, input_tokens: 3, output_tokens: 4 });

    // The same call without include_usage: exactly those bytes minus the usage event.
    fake.reset();
    fake.behave({ kind: "stream", chunks: ["a", "b", "c"] });
    const quiet = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ ...body, stream_options: undefined }) });
    const events = text.split("\n\n").filter(Boolean);
    expect(await quiet.text()).toBe(events.filter((e) => !e.includes('"choices":[]')).map((e) => `${e}\n\n`).join(""));
  });
});

describe("input capture", () => {
  it("is off by default, on per prompt or organization, with named variables redacted", async () => {
    const { id: promptId } = await newPrompt("capture");
    await create({ prompt_id: promptId, inputs });
    expect((await requestsOnce(promptId, 1))[0].inputs).toBeNull();

    const set = await server.rest("POST", "/v1/prompt-2025/update/capture-settings", { promptId, enabled: true, redactVariables: ["customer"] });
    expect(set.status, set.text).toBe(200);
    expect(set.body.data.effective).toEqual({ enabled: true, redact_variables: ["customer"], retention_days: 30 });
    await create({ prompt_id: promptId, inputs });
    const log = await requestsOnce(promptId, 2);
    expect(log[0].inputs).toEqual({ company: "Acme", customer: "[redacted]", question: "Where is my order?" });
    expect(log[1].inputs).toBeNull();

    // Organization-wide, with the prompt's own setting winning.
    const other = await newPrompt("capture org");
    await server.rest("POST", "/v1/prompt-2025/update/capture-settings", { enabled: true, redactVariables: ["question"] });
    await create({ prompt_id: other.id, inputs });
    expect((await requestsOnce(other.id, 1))[0].inputs).toEqual({ company: "Acme", customer: "Ann", question: "[redacted]" });
    await server.rest("POST", "/v1/prompt-2025/update/capture-settings", { promptId, enabled: false });
    await create({ prompt_id: promptId, inputs });
    expect((await requestsOnce(promptId, 3))[0].inputs).toBeNull();
    await server.rest("POST", "/v1/prompt-2025/update/capture-settings", { enabled: false, redactVariables: [] });

    const member = (await server.rest("POST", "/v1/api-keys", { name: "member", role: "member" })).body.data.secret as string;
    const refused = await server.rest("POST", "/v1/prompt-2025/update/capture-settings", { enabled: true }, { key: member });
    expect(refused.status).toBe(403);
  });
});

describe("through the provider router", () => {
  it("records the provider and model that served a routed call, with usage from an Anthropic stream the caller did not ask usage of", async () => {
    const anthropic = await startFakeLlm();
    const down = await startFakeLlm();
    const dir = mkdtempSync(join(tmpdir(), "promptreg-analytics-providers-"));
    const file = join(dir, "providers.yaml");
    writeFileSync(
      file,
      ["providers:", "  anthropic:", "    type: anthropic", `    baseUrl: ${anthropic.url}`, "  down:", "    type: openai", `    baseUrl: ${down.baseUrl}`, "breaker: { failureThreshold: 0 }"].join("\n"),
    );
    const routed = await startTestServer({ OPENAI_BASE_URL: fake.baseUrl, PROMPTREG_PROVIDERS_FILE: file, PROMPTREG_ANALYTICS_FLUSH_MS: "100" });
    try {
      const created = await routed.rest("POST", "/v1/prompt-2025", { name: "routed", promptBody: sampleBody({ model: "gpt-4o/down,claude-sonnet-4-20250514/anthropic" }) });
      const promptId = created.body.data.id as string;
      down.behave({ kind: "status", status: 503, body: { error: { message: "down", type: "server_error" } } });
      anthropic.behave({ kind: "stream", chunks: ["Hel", "lo"] });
      const sdk = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${routed.url}/v1`, maxRetries: 0 });
      const stream = await sdk.chat.completions.create({ prompt_id: promptId, inputs, stream: true } as never);
      const chunks: any[] = [];
      for await (const chunk of stream as unknown as AsyncIterable<any>) chunks.push(chunk);
      // Asked for usage on the caller's behalf (the Anthropic translation then sends it); the caller never sees it.
      expect(chunks.some((c) => c.usage)).toBe(false);
      expect(chunks.map((c) => c.choices[0]?.delta?.content).join("")).toContain("Hello");

      const deadline = Date.now() + 15_000;
      let log: any[] = [];
      while (log.length === 0 && Date.now() < deadline) {
        log = (await routed.rest("POST", "/v1/prompt-2025/query/requests", { promptId })).body.data;
        if (log.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-20250514", stream: true, status: 200, input_tokens: 3, output_tokens: expect.any(Number) });
      expect(log[0].output_tokens).toBeGreaterThan(0);
      const expected = calcPrice({ input_tokens: 3, output_tokens: log[0].output_tokens }, "claude-sonnet-4-20250514", { providerId: "anthropic" })!.total_price;
      expect(log[0].cost_usd).toBeCloseTo(expected, 12);
    } finally {
      await routed.stop();
      await anthropic.close();
      await down.close();
    }
  });
});
