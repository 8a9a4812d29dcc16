// The prompt manager against the real server: selection, the body cache, pushed and polled invalidation,
// stale-while-revalidate, partials, and what it throws.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CompiledSizeError,
  createRestClient,
  PromptManager,
  PromptNotFoundError,
  PartialResolutionError,
  type PromptManagerEvent,
  type PromptManagerOptions,
  type RestClient,
} from "../src/index.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";
import { countingFetch, sampleBody, until, type CountingFetch } from "./harness.js";

let server: TestServer;
let rest: RestClient;
const managers: PromptManager[] = [];

beforeAll(async () => {
  server = await startTestServer();
  rest = createRestClient({ url: server.url, apiKey: ADMIN_KEY });
});
afterEach(() => {
  for (const manager of managers.splice(0)) manager.close();
});
afterAll(async () => server.stop());

function manager(options: Partial<PromptManagerOptions> = {}): PromptManager {
  const created = new PromptManager({ url: server.url, apiKey: ADMIN_KEY, ...options });
  managers.push(created);
  return created;
}

const inputs = { company: "Acme", question: "Where is my order?" };
const compiled = (greeting: string) => ({
  model: "gpt-4o-mini",
  temperature: 0.3,
  messages: [
    { role: "system", content: `${greeting} You support Acme.` },
    { role: "user", content: "Where is my order?" },
  ],
});

/** A prompt with 1.0 in production ("Hello.") and 1.1 in staging ("Hi!"). */
async function seedPrompt(name: string) {
  const { id: promptId, versionId: v10 } = await rest.createPrompt({ name, promptBody: sampleBody("Hello.") });
  const { id: v11 } = await rest.createVersion({ promptId, promptVersionId: v10, environment: "staging", promptBody: sampleBody("Hi!") });
  return { promptId, v10, v11 };
}

/** Requests that download a body: the /v2 answers and GET …/prompt-body. */
const bodyFetches = (counting: CountingFetch) => counting.count("/v2/") + counting.calls.filter((c) => c.path.endsWith("/prompt-body")).length;

describe("selection, as the gateway's", () => {
  it("serves production by default, the environment when given, else version_id", async () => {
    const { promptId, v10, v11 } = await seedPrompt("selection");
    const prompts = manager({ subscribe: false });

    const production = await prompts.getPromptBody({ prompt_id: promptId, inputs });
    expect(production).toEqual({
      body: compiled("Hello."),
      errors: [],
      warnings: [],
      promptId,
      versionId: v10,
      version: "1.0",
      source: "network",
      rollout: null,
    });
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("cache");

    const staging = await prompts.getPromptBody({ prompt_id: promptId, environment: "staging", inputs });
    expect(staging).toMatchObject({ body: compiled("Hi!"), versionId: v11, version: "1.1" });

    const byVersion = await prompts.getPromptBody({ prompt_id: promptId, version_id: v11, inputs });
    expect(byVersion).toMatchObject({ body: compiled("Hi!"), versionId: v11 });

    // environment wins over version_id
    const both = await prompts.getPromptBody({ prompt_id: promptId, version_id: v11, environment: "production", inputs });
    expect(both.versionId).toBe(v10);
  });

  it("merges the caller's parameters and reports input problems in errors (no throw)", async () => {
    const { promptId } = await seedPrompt("merge");
    const prompts = manager({ subscribe: false });
    const merged = await prompts.getPromptBody({
      prompt_id: promptId,
      inputs: { ...inputs, unused: 1 },
      model: "gpt-4o",
      messages: [{ role: "user", content: "And {{hc:company:string}}?" }],
    });
    expect(merged.body).toEqual({ ...compiled("Hello."), model: "gpt-4o", messages: [...compiled("Hello.").messages, { role: "user", content: "And Acme?" }] });
    expect(merged.warnings.map((w) => w.variable)).toEqual(["unused"]);

    const missing = await prompts.getPromptBody({ prompt_id: promptId, inputs: { company: "Acme" } });
    expect(missing.errors).toEqual([expect.objectContaining({ variable: "question", expected: "string" })]);
  });

  it("throws PromptNotFoundError for an unknown prompt, environment or version, or a version of another prompt", async () => {
    const a = await seedPrompt("not found a");
    const b = await seedPrompt("not found b");
    const prompts = manager({ subscribe: false, fallbacks: { nope00: sampleBody() } });
    await expect(prompts.getPromptBody({ prompt_id: "nope00", inputs })).rejects.toBeInstanceOf(PromptNotFoundError);
    await expect(prompts.getPromptBody({ prompt_id: a.promptId, environment: "nowhere", inputs })).rejects.toBeInstanceOf(PromptNotFoundError);
    await expect(prompts.getPromptBody({ prompt_id: a.promptId, version_id: "00000000-0000-4000-8000-000000000000", inputs })).rejects.toBeInstanceOf(
      PromptNotFoundError,
    );
    // b's version asked as a's: 404, also once b's version is in the cache.
    await prompts.getPromptBody({ prompt_id: b.promptId, version_id: b.v11, inputs });
    const error = await prompts.getPromptBody({ prompt_id: a.promptId, version_id: b.v11, inputs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptNotFoundError);
    expect((error as PromptNotFoundError).selection).toEqual({ versionId: b.v11 });
    await expect(prompts.getPromptBody({ prompt_id: a.promptId, environment: "bad env!", inputs })).rejects.toThrow();
    await expect(prompts.getPromptBody({ prompt_id: "" })).rejects.toBeInstanceOf(TypeError);
  });
});

describe("the body cache", () => {
  it("downloads each version's body once, however often pointers are revalidated", async () => {
    const { promptId, v10, v11 } = await seedPrompt("bodies once");
    const counting = countingFetch();
    // TTL 0: every call revalidates its pointer with the server.
    const prompts = manager({ subscribe: false, pointerTtlMs: 0, maxStaleMs: 0, fetch: counting.fetch });

    for (let i = 0; i < 5; i++) expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("network");
    expect(bodyFetches(counting)).toBe(1);
    expect(counting.count("/v1/prompt-2025/query/environment-version")).toBe(4);

    await prompts.getPromptBody({ prompt_id: promptId, environment: "staging", inputs });
    await prompts.getPromptBody({ prompt_id: promptId, environment: "staging", inputs });
    await rest.setEnvironment({ promptId, promptVersionId: v11, environment: "production" });
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId).toBe(v11);
    await prompts.getPromptBody({ prompt_id: promptId, version_id: v10, inputs });
    await prompts.getPromptBody({ prompt_id: promptId, version_id: v11, inputs });
    expect(bodyFetches(counting)).toBe(2); // v10 and v11, once each
    expect(prompts.stats().versions).toBe(2);
  });

  it("shares one request among concurrent misses", async () => {
    const { promptId } = await seedPrompt("concurrent");
    const counting = countingFetch();
    const prompts = manager({ subscribe: false, fetch: counting.fetch });
    const results = await Promise.all(Array.from({ length: 20 }, () => prompts.getPromptBody({ prompt_id: promptId, inputs })));
    expect(new Set(results.map((r) => r.versionId)).size).toBe(1);
    // One request for the version and its body, one for the environment's rollout (asked at the same time).
    expect(counting.calls.filter((c) => c.path.startsWith("/v1/prompt-2025") && c.path !== "/v1/prompt-2025/query/rollout")).toEqual([]);
    expect(counting.count("/v1/prompt-2025/query/rollout")).toBe(1);
    expect(counting.count("/v2/")).toBe(1);
  });

  it("serves a pointer past its TTL as stale while one background request revalidates it", async () => {
    const { promptId, v10, v11 } = await seedPrompt("stale");
    const counting = countingFetch();
    // A TTL of 1 s: long enough that the move below cannot outlast it on a slow machine.
    const prompts = manager({ subscribe: false, pollIntervalMs: 60_000, pointerTtlMs: 1000, maxStaleMs: 60_000, fetch: counting.fetch });
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId).toBe(v10);
    await rest.setEnvironment({ promptId, promptVersionId: v11, environment: "production" });
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("cache");
    await new Promise((r) => setTimeout(r, 1100));
    counting.reset();
    const [first, second] = await Promise.all([prompts.getPromptBody({ prompt_id: promptId, inputs }), prompts.getPromptBody({ prompt_id: promptId, inputs })]);
    expect([first.source, first.versionId, second.source]).toEqual(["stale", v10, "stale"]);
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId === v11, 15_000, "revalidation");
    expect(counting.count("/v1/prompt-2025/query/environment-version")).toBe(1);
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("cache");
  });

  it("past maxStaleMs, waits for the server", async () => {
    const { promptId } = await seedPrompt("max stale");
    const prompts = manager({ subscribe: false, pollIntervalMs: 60_000, pointerTtlMs: 20, maxStaleMs: 60 });
    await prompts.getPromptBody({ prompt_id: promptId, inputs });
    await new Promise((r) => setTimeout(r, 100));
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("network");
  });
});

describe("invalidation pushed by the server", () => {
  it("sees an environment move through the event stream, without waiting for the TTL (10 minutes here)", async () => {
    const { promptId, v10, v11 } = await seedPrompt("sse move");
    const events: PromptManagerEvent[] = [];
    const counting = countingFetch();
    const prompts = manager({ pointerTtlMs: 600_000, fetch: counting.fetch, onEvent: (e) => events.push(e) });
    expect(await prompts.ready()).toBe(true);
    expect(events).toContainEqual({ type: "subscribed" });
    expect(prompts.stats().subscribed).toBe(true);

    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId).toBe(v10);
    await prompts.getPromptBody({ prompt_id: promptId, version_id: v11, inputs }); // v11's body is now held
    counting.reset();

    // A move to a version whose body is held: applied from the event alone, no request.
    await rest.setEnvironment({ promptId, promptVersionId: v11, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId === v11, 15_000, "the move");
    const served = await prompts.getPromptBody({ prompt_id: promptId, inputs });
    expect(served).toMatchObject({ source: "cache", body: compiled("Hi!") });
    expect(counting.calls.filter((c) => !c.path.startsWith("/v1/deployments"))).toEqual([]);
    expect(events).toContainEqual(expect.objectContaining({ type: "deployment", promptId, environment: "production", versionId: v11, via: "sse", effect: "moved" }));

    // A move to a version never fetched: the event triggers the fetch.
    const { id: v12 } = await rest.createVersion({ promptId, promptVersionId: v11, promptBody: sampleBody("Hey.") });
    await rest.setEnvironment({ promptId, promptVersionId: v12, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId === v12, 15_000, "the second move");
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).body).toEqual(compiled("Hey."));
  });

  it("stops serving a removed environment", async () => {
    const { promptId, v11 } = await seedPrompt("sse remove");
    const prompts = manager({ pointerTtlMs: 600_000 });
    expect(await prompts.ready()).toBe(true);
    expect((await prompts.getPromptBody({ prompt_id: promptId, environment: "staging", inputs })).versionId).toBe(v11);
    await rest.removeEnvironment({ promptId, promptVersionId: v11, environment: "staging" });
    await until(
      async () => (await prompts.getPromptBody({ prompt_id: promptId, environment: "staging", inputs }).catch((e: unknown) => e)) instanceof PromptNotFoundError,
      5000,
      "the removal",
    );
  });

  it("stops serving a deleted prompt and a hidden version once the server pushes it, without waiting for the TTL", async () => {
    const { promptId, v10 } = await seedPrompt("sse delete");
    const other = await seedPrompt("sse hide");
    const events: PromptManagerEvent[] = [];
    const prompts = manager({ pointerTtlMs: 600_000, onEvent: (e) => events.push(e) });
    expect(await prompts.ready()).toBe(true);
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId).toBe(v10);
    expect((await prompts.getPromptBody({ prompt_id: other.promptId, version_id: other.v11, inputs })).versionId).toBe(other.v11);

    await rest.deletePrompt(promptId);
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs }).catch((e: unknown) => e)) instanceof PromptNotFoundError, 15_000, "the deletion");
    // Removing staging first: a deployed version cannot be deleted.
    await rest.removeEnvironment({ promptId: other.promptId, promptVersionId: other.v11, environment: "staging" });
    await rest.deleteVersion(other.promptId, other.v11);
    await until(
      async () => (await prompts.getPromptBody({ prompt_id: other.promptId, version_id: other.v11, inputs }).catch((e: unknown) => e)) instanceof PromptNotFoundError,
      5000,
      "the hide",
    );
    expect(events).toContainEqual({ type: "prompt-change", promptId, action: "prompt-deleted", versionId: null });
    expect(events).toContainEqual({ type: "prompt-change", promptId: other.promptId, action: "version-hidden", versionId: other.v11 });
  });

  it("with the stream disabled, polling picks the move up", async () => {
    const { promptId, v10, v11 } = await seedPrompt("polling");
    const events: PromptManagerEvent[] = [];
    const prompts = manager({ subscribe: false, pollIntervalMs: 100, pointerTtlMs: 600_000, onEvent: (e) => events.push(e) });
    expect(await prompts.ready()).toBe(true);
    expect(events).toContainEqual({ type: "polling", intervalMs: 100 });
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId).toBe(v10);
    await rest.setEnvironment({ promptId, promptVersionId: v11, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId === v11, 15_000, "the polled move");
    expect(events).toContainEqual(expect.objectContaining({ type: "deployment", promptId, via: "poll" }));

    await rest.removeEnvironment({ promptId, promptVersionId: v11, environment: "staging" });
    await until(
      async () => (await prompts.getPromptBody({ prompt_id: promptId, environment: "staging", inputs }).catch((e: unknown) => e)) instanceof PromptNotFoundError,
      5000,
      "the polled removal",
    );
  });

  it("falls back to polling when the stream drops, and reconnects", async () => {
    const { promptId, v10, v11 } = await seedPrompt("drop");
    const events: PromptManagerEvent[] = [];
    const counting = countingFetch();
    const prompts = manager({ pollIntervalMs: 100, pointerTtlMs: 600_000, fetch: counting.fetch, onEvent: (e) => events.push(e) });
    expect(await prompts.ready()).toBe(true);
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId).toBe(v10);

    counting.refuseStreams = true;
    counting.dropStreams();
    await until(() => events.some((e) => e.type === "subscription-lost"), 15_000, "the drop to be noticed");
    await until(() => events.some((e) => e.type === "polling"), 15_000, "polling");
    expect(prompts.stats().subscribed).toBe(false);

    await rest.setEnvironment({ promptId, promptVersionId: v11, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId === v11, 15_000, "the move while polling");

    events.length = 0;
    counting.refuseStreams = false;
    await until(() => prompts.stats().subscribed, 20_000, "the stream to come back");
    expect(events).toContainEqual({ type: "subscribed" });
    // Once the catch-up poll after the reconnect is done, no more polls (they ran every 100 ms).
    const polls = () => counting.calls.filter((c) => c.path === "/v1/deployments" || c.path.startsWith("/v1/deployments?")).length;
    await new Promise((r) => setTimeout(r, 200));
    const settled = polls();
    await new Promise((r) => setTimeout(r, 400));
    expect(polls()).toBe(settled);

    await rest.setEnvironment({ promptId, promptVersionId: v10, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId === v10, 15_000, "the move after reconnecting");
    expect(events).toContainEqual(expect.objectContaining({ type: "deployment", promptId, via: "sse" }));
  });

  it("catches up on moves made while no stream was open", async () => {
    const { promptId, v10, v11 } = await seedPrompt("catch up");
    const counting = countingFetch();
    const prompts = manager({ pollIntervalMs: 60_000, pointerTtlMs: 600_000, fetch: counting.fetch });
    expect(await prompts.ready()).toBe(true);
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId).toBe(v10);
    counting.refuseStreams = true;
    counting.dropStreams();
    await new Promise((r) => setTimeout(r, 100));
    // Polling is slow here (60 s), so only the catch-up poll after reconnecting can bring this move.
    await rest.setEnvironment({ promptId, promptVersionId: v11, environment: "production" });
    counting.refuseStreams = false;
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId === v11, 20_000, "the catch-up");
  });
});

describe("prompt partials", () => {
  it("expands partials through the same cache, and follows their environments' moves", async () => {
    const shared = await rest.createPrompt({ name: "partial source", promptBody: { model: "m", messages: [{ role: "system", content: "Be kind to {{hc:company:string}}." }] } });
    const { id: v2 } = await rest.createVersion({
      promptId: shared.id,
      promptVersionId: shared.versionId,
      promptBody: { model: "m", messages: [{ role: "system", content: "Be brief." }] },
    });
    const main = await rest.createPrompt({
      name: "partial user",
      promptBody: { model: "gpt-4o-mini", messages: [{ role: "system", content: `{{hcp:${shared.id}:0}} Help {{hc:company:string}}.` }] },
    });
    const prompts = manager({ pointerTtlMs: 600_000 });
    expect(await prompts.ready()).toBe(true);
    const first = await prompts.getPromptBody({ prompt_id: main.id, inputs: { company: "Acme" } });
    expect(first.body.messages).toEqual([{ role: "system", content: "Be kind to Acme. Help Acme." }]);
    expect(first.versionId).toBe(main.versionId);

    await rest.setEnvironment({ promptId: shared.id, promptVersionId: v2, environment: "production" });
    await until(
      async () => (await prompts.getPromptBody({ prompt_id: main.id, inputs: { company: "Acme" } })).body.messages[0]?.content === "Be brief. Help Acme.",
      5000,
      "the partial's move",
    );

    const broken = await rest.createPrompt({ name: "broken partial", promptBody: { model: "m", messages: [{ role: "user", content: "{{hcp:zzzzzz:0}}" }] } });
    await expect(prompts.getPromptBody({ prompt_id: broken.id })).rejects.toBeInstanceOf(PartialResolutionError);
  });
});

describe("the compiled size bound, as the gateway's", () => {
  it("throws CompiledSizeError before building a body past maxCompiledBytes (one variable 2,000 times, a 500 KB input)", async () => {
    const content = Array.from({ length: 2000 }, () => "{{hc:text:string}}").join(" ");
    const { id } = await rest.createPrompt({ name: "blow-up", promptBody: { model: "m", messages: [{ role: "user", content }] } });
    const prompts = manager({ subscribe: false });
    const error: unknown = await prompts.getPromptBody({ prompt_id: id, inputs: { text: "x".repeat(500_000) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompiledSizeError);
    expect(error).toMatchObject({ limit: 4 * 1024 * 1024, message: expect.stringMatching(/^the compiled request would be 1,000,\d{3},\d{3} bytes/) });
    expect((await prompts.getPromptBody({ prompt_id: id, inputs: { text: "y".repeat(100) } })).errors).toEqual([]);
    const strict = manager({ subscribe: false, maxCompiledBytes: 100_000 });
    await expect(strict.getPromptBody({ prompt_id: id, inputs: { text: "y".repeat(100) } })).rejects.toBeInstanceOf(CompiledSizeError);
  });
});
