// The gateway with the real `openai` SDK as the client, against a fake upstream that records what it
// receives: the upstream must get exactly the compiled prompt and merged parameters.
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "../src/testing/index.js";

let fake: FakeLlm;
let server: TestServer;
let client: OpenAI;
let promptId: string;
let v10: string;
let v11: string;

const template = (greeting: string) => ({
  model: "gpt-4o-mini",
  temperature: 0.2,
  max_tokens: 50,
  messages: [
    { role: "system", content: `${greeting} You support {{hc:company:string}}. Max {{hc:limit:number}} items.` },
    { role: "user", content: "{{hc:question:string}}" },
  ],
  tools: [{ type: "function", function: { name: "lookup_{{hc:company:string}}", parameters: { type: "object", properties: { n: { type: "integer", maximum: "{{hc:limit:number}}" } } } } }],
});

const inputs = { company: "Acme", limit: 3, question: "Where is my order?" };

/** What the upstream must receive for `template(greeting)` compiled with `inputs`. */
const compiled = (greeting: string) => ({
  model: "gpt-4o-mini",
  temperature: 0.2,
  max_tokens: 50,
  messages: [
    { role: "system", content: `${greeting} You support Acme. Max 3 items.` },
    { role: "user", content: "Where is my order?" },
  ],
  tools: [{ type: "function", function: { name: "lookup_Acme", parameters: { type: "object", properties: { n: { type: "integer", maximum: 3 } } } } }],
});

beforeAll(async () => {
  fake = await startFakeLlm();
  server = await startTestServer({ OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: "sk-upstream" });
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
  const created = await server.rest("POST", "/v1/prompt-2025", { name: "support", promptBody: template("Hello.") });
  ({ id: promptId, versionId: v10 } = created.body.data);
  v11 = (await server.rest("POST", "/v1/prompt-2025/update", { promptId, promptVersionId: v10, promptBody: template("Hi!"), environment: "staging" })).body.data.id;
});
afterAll(async () => {
  await server.stop();
  await fake.close();
});
beforeEach(() => fake.reset());

const create = (body: Record<string, unknown>) => client.chat.completions.create(body as never) as unknown as Promise<OpenAI.ChatCompletion>;

describe("prompt selection and compilation", () => {
  it("uses production by default and sends exactly the compiled body upstream", async () => {
    const answer = await create({ prompt_id: promptId, inputs });
    expect(answer.choices[0]!.message.content).toBe("echo: Where is my order?");
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0]!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body).toEqual(compiled("Hello."));
    expect(sent.headers.authorization).toBe("Bearer sk-upstream");
  });

  it("uses the environment when given", async () => {
    await create({ prompt_id: promptId, environment: "staging", inputs });
    expect(fake.requests[0]!.body).toEqual(compiled("Hi!"));
  });

  it("uses version_id when no environment is given, and environment wins over version_id", async () => {
    await create({ prompt_id: promptId, version_id: v11, inputs });
    expect(fake.requests[0]!.body).toEqual(compiled("Hi!"));
    await create({ prompt_id: promptId, version_id: v11, environment: "production", inputs });
    expect(fake.requests[1]!.body).toEqual(compiled("Hello."));
  });

  it("merges the caller's parameters: messages appended, model and other fields override", async () => {
    await create({
      prompt_id: promptId,
      inputs,
      model: "gpt-4o",
      temperature: 1,
      messages: [{ role: "user", content: "And {{hc:company:string}}?" }],
      tools: [{ type: "function", function: { name: "extra" } }],
      response_format: { type: "json_object" },
    });
    const expected = compiled("Hello.");
    expect(fake.requests[0]!.body).toEqual({
      ...expected,
      model: "gpt-4o",
      temperature: 1,
      messages: [...expected.messages, { role: "user", content: "And Acme?" }],
      tools: [...expected.tools, { type: "function", function: { name: "extra" } }],
      response_format: { type: "json_object" },
    });
  });

  it("says which version served the request", async () => {
    const { response } = await client.chat.completions.create({ prompt_id: promptId, environment: "staging", inputs } as never).withResponse();
    expect(response.headers.get("x-prompt-id")).toBe(promptId);
    expect(response.headers.get("x-prompt-version-id")).toBe(v11);
    expect(response.headers.get("x-prompt-version")).toBe("1.1");
  });

  it("substitutes falsy inputs like any other", async () => {
    await create({ prompt_id: promptId, inputs: { company: "", limit: 0, question: "0" } });
    const body = fake.requests[0]!.body;
    expect(body.messages[0].content).toBe("Hello. You support . Max 0 items.");
    expect(body.messages[1].content).toBe("0");
    expect(body.tools[0].function.parameters.properties.n.maximum).toBe(0);
  });
});

describe("input errors", () => {
  it("missing and wrongly typed inputs answer 400 naming each variable, and nothing goes upstream", async () => {
    const error = await create({ prompt_id: promptId, inputs: { limit: "many" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toMatch(/company/);
    expect(apiError.message).toMatch(/question/);
    expect(apiError.message).toMatch(/limit/);
    expect(apiError.type).toBe("invalid_prompt");
    expect(apiError.code).toBe("invalid_inputs");
    const details = (apiError.error as { details: Array<{ variable: string; expected: string }> }).details;
    expect(details.map((d) => d.variable).sort()).toEqual(["company", "limit", "question"]);
    expect(details.find((d) => d.variable === "limit")).toMatchObject({ expected: "number", value: "many" });
    expect(fake.requests).toHaveLength(0);
  });

  it("inputs that are not an object answer 400 invalid_inputs, as every other input error", async () => {
    for (const bad of [["x"], "x", 5]) {
      const error = (await create({ prompt_id: promptId, inputs: bad }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.code).toBe("invalid_inputs");
      const details = (error.error as { details: Array<{ variable: string; expected: string }> }).details;
      expect(details).toContainEqual(expect.objectContaining({ variable: "inputs", expected: "object" }));
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("a caller's messages or tools that are not arrays answer 400 (they were dropped from the merge)", async () => {
    await expect(create({ prompt_id: promptId, inputs, messages: "also answer this" })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/messages must be an array/) });
    await expect(create({ prompt_id: promptId, inputs, tools: { type: "function" } })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/tools must be an array/) });
    expect(fake.requests).toHaveLength(0);
    await create({ prompt_id: promptId, inputs, messages: null, tools: null });
    expect(fake.requests[0]!.body).toEqual(compiled("Hello."));
  });

  it("model null or empty uses the version's model (Python's SDK requires the argument)", async () => {
    await create({ prompt_id: promptId, inputs, model: null });
    await create({ prompt_id: promptId, inputs, model: "" });
    expect(fake.requests.map((r) => (r.body as { model: unknown }).model)).toEqual(["gpt-4o-mini", "gpt-4o-mini"]);
  });

  it("prompt fields without prompt_id are refused, not forwarded to the provider", async () => {
    const error = (await create({ promptId, inputs }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toMatch(/send prompt_id, not promptId/);
    await expect(create({ model: "gpt-4o", messages: [], inputs, environment: "staging" })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/inputs, environment need prompt_id/),
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("unknown prompt, environment or version", () => {
  it.each([
    [{ prompt_id: "nope00" }, /prompt nope00 not found/],
    [{ environment: "qa" }, /no version of prompt \w{6} is deployed to qa/],
    [{ version_id: "00000000-0000-4000-8000-000000000000" }, /prompt version 00000000-0000-4000-8000-000000000000 of prompt \w{6} not found/],
  ])("%j answers 404 naming what was not found", async (selection, message) => {
    const error = (await create({ prompt_id: promptId, inputs, ...selection }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.message).toMatch(message);
    expect(fake.requests).toHaveLength(0);
  });

  it("another organization's prompt is as unknown as a missing one", async () => {
    const other = await server.createOrg();
    const intruder = new OpenAI({ apiKey: other.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(intruder.chat.completions.create({ prompt_id: promptId, inputs } as never)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("a bad key answers 401 in OpenAI's shape", async () => {
    const stranger = new OpenAI({ apiKey: "wrong", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const error = (await stranger.chat.completions.create({ prompt_id: promptId, inputs } as never).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.code).toBe("invalid_api_key");
  });
});

describe("streaming", () => {
  it("relays server-sent events chunk by chunk", async () => {
    fake.behave({ kind: "stream", chunks: ["Hel", "lo", " there"], delayMs: 5 });
    const stream = await client.chat.completions.create({ prompt_id: promptId, inputs, stream: true } as never) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0]?.delta?.content ?? "");
    expect(parts.join("")).toBe("Hello there");
    // The gateway asks for usage on the caller's behalf (the request log's token counts; the extra event is
    // cut from what the caller receives: analytics.test.ts).
    expect(fake.requests[0]!.body).toEqual({ ...compiled("Hello."), stream: true, stream_options: { include_usage: true } });
  });

  it("aborts the upstream request when the client goes away", async () => {
    fake.behave({ kind: "stream", chunks: Array.from({ length: 200 }, (_, i) => `t${i}`), delayMs: 20 });
    const aborted = fake.streamAborted();
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ prompt_id: promptId, inputs, stream: true } as never, { signal: controller.signal }) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
    let seen = 0;
    // The SDK ends the iteration (or throws an abort error, depending on timing) once aborted.
    await (async () => {
      for await (const _ of stream) if (++seen === 3) controller.abort();
    })().catch((error: unknown) => expect(String(error)).toMatch(/abort/i));
    await aborted; // resolves only if the upstream saw its client hang up
    expect(seen).toBe(3);
    expect(fake.requests).toHaveLength(1);
  });
});

describe("pass-through and upstream faults", () => {
  it("forwards requests without prompt_id unchanged, byte for byte", async () => {
    const raw = '{"model":"gpt-4o","messages":[{"role":"user","content":"{{hc:x:string}} stays"}],"temperature":0.50}';
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: raw });
    expect(res.status).toBe(200);
    expect(fake.requests[0]!.rawBody).toBe(raw);
  });

  it("uses x-upstream-authorization when the caller brings its own provider key", async () => {
    await client.chat.completions.create({ prompt_id: promptId, inputs } as never, { headers: { "x-upstream-authorization": "Bearer sk-caller" } });
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer sk-caller");
  });

  it("passes 429 and 5xx back with their status and body", async () => {
    fake.behave({ kind: "status", status: 429, body: { error: { message: "Rate limit reached", type: "requests" } }, headers: { "retry-after": "7" } });
    const limited = (await create({ prompt_id: promptId, inputs }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.message).toContain("Rate limit reached");
    expect(limited.headers?.get("retry-after")).toBe("7");
    fake.behave({ kind: "status", status: 503, body: { error: { message: "overloaded" } } });
    await expect(create({ prompt_id: promptId, inputs })).rejects.toMatchObject({ status: 503, message: expect.stringContaining("overloaded") });
  });
});

describe("upstream connection problems", () => {
  it("connection refused answers 502 with a clear message", async () => {
    const closed = await startFakeLlm();
    await closed.close();
    const isolated = await startTestServer({ OPENAI_BASE_URL: closed.baseUrl, MONGODB_DB: server.dbName });
    try {
      const sdk = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${isolated.url}/v1`, maxRetries: 0 });
      const error = (await sdk.chat.completions.create({ prompt_id: promptId, inputs } as never).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(502);
      expect(error.message).toMatch(/could not reach the upstream provider/);
    } finally {
      await isolated.stop();
    }
  });

  it("a hanging upstream times out with 504", async () => {
    const hanging = await startFakeLlm();
    hanging.behave({ kind: "hang" });
    const isolated = await startTestServer({ OPENAI_BASE_URL: hanging.baseUrl, PROMPTREG_UPSTREAM_TIMEOUT_MS: "300", MONGODB_DB: server.dbName });
    try {
      const sdk = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${isolated.url}/v1`, maxRetries: 0 });
      await expect(sdk.chat.completions.create({ prompt_id: promptId, inputs } as never)).rejects.toMatchObject({ status: 504 });
    } finally {
      await isolated.stop();
      await hanging.close();
    }
  });

  it("an upstream that stalls mid-stream ends the stream with an error event the SDK raises", async () => {
    const stalling = await startFakeLlm();
    stalling.behave({ kind: "stream", chunks: ["first", "never"], delayMs: 5_000 });
    const isolated = await startTestServer({ OPENAI_BASE_URL: stalling.baseUrl, PROMPTREG_UPSTREAM_TIMEOUT_MS: "300", MONGODB_DB: server.dbName });
    try {
      const sdk = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${isolated.url}/v1`, maxRetries: 0 });
      const stream = (await sdk.chat.completions.create({ prompt_id: promptId, inputs, stream: true } as never)) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
      const parts: string[] = [];
      const error = await (async () => {
        for await (const chunk of stream) parts.push(chunk.choices[0]?.delta?.content ?? "");
      })().catch((e: unknown) => e);
      expect(parts).toEqual(["first"]);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as Error).message).toMatch(/upstream stream stopped sending/);
    } finally {
      await isolated.stop();
      await stalling.close();
    }
  });

  it("falls back to the next upstream on 5xx and on connection errors", async () => {
    const broken = await startFakeLlm();
    broken.behave({ kind: "status", status: 500, body: { error: { message: "boom" } } });
    const gone = await startFakeLlm();
    await gone.close();
    const isolated = await startTestServer({
      OPENAI_BASE_URL: broken.baseUrl,
      PROMPTREG_UPSTREAM_FALLBACK_URLS: `${gone.baseUrl},${fake.baseUrl}`,
      MONGODB_DB: server.dbName,
    });
    try {
      const sdk = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${isolated.url}/v1`, maxRetries: 0 });
      const answer = (await sdk.chat.completions.create({ prompt_id: promptId, inputs } as never)) as OpenAI.ChatCompletion;
      expect(answer.choices[0]!.message.content).toBe("echo: Where is my order?");
      expect(broken.requests).toHaveLength(1);
      expect(fake.requests).toHaveLength(1);
    } finally {
      await isolated.stop();
      await broken.close();
    }
  });
});

describe("resolution cache across replicas", () => {
  it("after production moves, every replica serves the new version through the deployment feed, long before the TTL", async () => {
    const replica = await startTestServer({ OPENAI_BASE_URL: fake.baseUrl, MONGODB_DB: server.dbName });
    try {
      const sdkA = client;
      const sdkB = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${replica.url}/v1`, maxRetries: 0 });
      const served = async (sdk: OpenAI) =>
        (await sdk.chat.completions.create({ prompt_id: promptId, inputs } as never).withResponse()).response.headers.get("x-prompt-version-id");
      // Warm both replicas' caches on the current production version.
      const before = await served(sdkA);
      expect(await served(sdkB)).toBe(before);
      const target = before === v10 ? v11 : v10;

      const movedAt = Date.now();
      await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: target, environment: "production" });
      expect(await served(sdkA)).toBe(target); // the replica that made the change: at once
      let seenOnB = await served(sdkB);
      // The feed polls every 250 ms; the pointer TTL is 30 s, so seeing it within 5 s can only be the feed
      // (how fast is measured by the benchmarks, not here: a loaded CI machine must not fail this).
      while (seenOnB !== target && Date.now() - movedAt < 5000) {
        await new Promise((r) => setTimeout(r, 20));
        seenOnB = await served(sdkB);
      }
      expect(seenOnB).toBe(target);
    } finally {
      await replica.stop();
    }
  });
});
