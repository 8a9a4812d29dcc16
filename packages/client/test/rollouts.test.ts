// The prompt manager during a canary rollout, against the real server and its gateway (a fake LLM on
// loopback, called with the real openai SDK): the manager gives a subject the version the gateway serves
// it (the same hash), keeps it (stickiness, monotone weight rises), and sees promote and abort through the
// deployment stream; Helicone-shaped reads stay on the stable version.
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRestClient, PromptManager, type PromptManagerEvent, type PromptManagerOptions, type RestClient } from "../src/index.js";
import { ADMIN_KEY, startTestServerWithFakeLlm, type TestServerWithLlm } from "@promptreg/server/testing";
import { countingFetch, sampleBody, startSwitchableProxy, until } from "./harness.js";

let server: TestServerWithLlm;
let rest: RestClient;
let openai: OpenAI;
const managers: PromptManager[] = [];

beforeAll(async () => {
  server = await startTestServerWithFakeLlm();
  rest = createRestClient({ url: server.url, apiKey: ADMIN_KEY });
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: ADMIN_KEY, maxRetries: 0 });
});
afterEach(() => {
  for (const manager of managers.splice(0)) manager.close();
});
afterAll(async () => server?.stop());

function manager(options: Partial<PromptManagerOptions> = {}): PromptManager {
  const created = new PromptManager({ url: server.url, apiKey: ADMIN_KEY, ...options });
  managers.push(created);
  return created;
}

const inputs = { company: "Acme", question: "Where is my order?" };
const subjects = Array.from({ length: 120 }, (_, i) => `user-${i}`);

/** A prompt with 1.0 ("Hello.") in production and 1.1 ("Hi!") to be its candidate. */
async function seedPrompt(name: string) {
  const { id: promptId, versionId: stable } = await rest.createPrompt({ name, promptBody: sampleBody("Hello.") });
  const { id: candidate } = await rest.createVersion({ promptId, promptVersionId: stable, promptBody: sampleBody("Hi!") });
  return { promptId, stable, candidate };
}

/** The version the gateway served `subject` (its `x-prompt-version-id`), through the openai SDK. */
async function gatewayVersion(promptId: string, subject: string): Promise<string | null> {
  const { response } = await openai.chat.completions
    .create({ prompt_id: promptId, inputs } as never, { headers: { "x-prompt-subject": subject } })
    .withResponse();
  return response.headers.get("x-prompt-version-id");
}

async function armsOf(prompts: PromptManager, promptId: string) {
  return Promise.all(subjects.map(async (subject) => (await prompts.getPromptBody({ prompt_id: promptId, subject, inputs })).versionId));
}

describe("the split, as the gateway's", () => {
  it("gives each subject the version the gateway serves it, and keeps it", async () => {
    const { promptId, stable, candidate } = await seedPrompt("rollout same hash");
    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 50 });
    const { id: rolloutId } = (await rest.queryRollout({ promptId, environment: "production" }))!;
    const prompts = manager();

    const fromClient = await armsOf(prompts, promptId);
    const fromGateway: Array<string | null> = [];
    for (const subject of subjects) fromGateway.push(await gatewayVersion(promptId, subject));
    expect(fromClient).toEqual(fromGateway);
    // Both arms served, near the weight (120 subjects at 50 %: 60 ± 25 is beyond 4.5 σ).
    const onCandidate = fromClient.filter((id) => id === candidate).length;
    expect(onCandidate).toBeGreaterThan(35);
    expect(onCandidate).toBeLessThan(85);
    expect(fromClient.every((id) => id === stable || id === candidate)).toBe(true);

    // The result says which arm, and compiles that version's body; `subject` does not reach the body.
    const first = await prompts.getPromptBody({ prompt_id: promptId, subject: subjects[0]!, inputs });
    const arm = first.versionId === candidate ? "candidate" : "stable";
    expect(first.rollout).toEqual({ id: rolloutId, arm, weight: 50 });
    expect(first.version).toBe(arm === "candidate" ? "1.1" : "1.0");
    expect(JSON.stringify(first.body)).toContain(arm === "candidate" ? "Hi!" : "Hello.");
    expect(first.body).not.toHaveProperty("subject");

    // Sticky: every subject again, from the cache, gets what it got.
    expect(await armsOf(prompts, promptId)).toEqual(fromClient);
    // `user` (a chat-completions parameter, kept in the body) is the subject when `subject` is absent, as at the gateway.
    const byUser = await prompts.getPromptBody({ prompt_id: promptId, user: subjects[3]!, inputs });
    expect(byUser.versionId).toBe(fromClient[3]);
    expect(byUser.body).toMatchObject({ user: subjects[3] });

    // Another manager (another replica of the application) agrees on every subject; a runtime key (what an
    // application embeds) is all it needs.
    const { secret } = await rest.createApiKey({ name: "app", role: "runtime" });
    expect(await armsOf(manager({ apiKey: secret }), promptId)).toEqual(fromClient);
  });

  it("moves subjects only from stable to candidate when the weight rises, seen through the stream", async () => {
    const { promptId, stable, candidate } = await seedPrompt("rollout monotone");
    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 20 });
    const prompts = manager();
    expect(await prompts.ready()).toBe(true);
    const at20 = await armsOf(prompts, promptId);

    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 70 });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).rollout?.weight === 70, 15_000, "the new weight");
    const at70 = await armsOf(prompts, promptId);
    at20.forEach((version, i) => {
      if (version === candidate) expect(at70[i]).toBe(candidate);
    });
    expect(at70.filter((id) => id === candidate).length).toBeGreaterThan(at20.filter((id) => id === candidate).length);
    // And still the gateway's answer.
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7]) expect(await gatewayVersion(promptId, subjects[i]!)).toBe(at70[i]);
    expect(at70.every((id) => id === stable || id === candidate)).toBe(true);
  });

  it("draws at random without a subject, and serves only the stable version with rollouts off", async () => {
    const { promptId, stable, candidate } = await seedPrompt("rollout no subject");
    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 50 });
    const prompts = manager({ subscribe: false });
    const seen = new Set<string | null>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add((await prompts.getPromptBody({ prompt_id: promptId, inputs })).versionId);
    expect(seen).toEqual(new Set([stable, candidate]));

    const off = manager({ subscribe: false, rollouts: false });
    for (const subject of subjects.slice(0, 20)) {
      expect(await off.getPromptBody({ prompt_id: promptId, subject, inputs })).toMatchObject({ versionId: stable, rollout: null });
    }
    // A version_id selection never splits.
    expect(await prompts.getPromptBody({ prompt_id: promptId, version_id: stable, subject: "user-1", inputs })).toMatchObject({ versionId: stable, rollout: null });
    // Helicone-shaped reads answer the stable version during the rollout.
    expect((await rest.environmentVersion({ promptId, environment: "production" })).id).toBe(stable);
    expect((await rest.productionVersionWithBody({ promptId })).id).toBe(stable);
  });
});

describe("promote and abort reach the client", () => {
  it("through the deployment stream, without waiting for the TTL (10 minutes here)", async () => {
    const { promptId, stable, candidate } = await seedPrompt("rollout end");
    const events: PromptManagerEvent[] = [];
    const prompts = manager({ pointerTtlMs: 600_000, maxStaleMs: 600_000, onEvent: (event) => events.push(event) });
    expect(await prompts.ready()).toBe(true);
    // No rollout yet: the stable version, no arm.
    expect(await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).toMatchObject({ versionId: stable, rollout: null });

    // A rollout starts: pushed, and subjects start getting the candidate.
    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 100 });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).versionId === candidate, 15_000, "the start");
    expect(events).toContainEqual(expect.objectContaining({ type: "deployment", promptId, environment: "production", via: "sse", effect: "refetching" }));

    // Abort: every subject back to the stable version.
    await rest.abortRollout({ promptId, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).rollout === null, 15_000, "the abort");
    expect((await armsOf(prompts, promptId)).every((id) => id === stable)).toBe(true);

    // A new rollout, promoted: the environment now serves the candidate to everyone, without a split.
    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 10 });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, inputs })).rollout?.weight === 10, 15_000, "the second start");
    await rest.promoteRollout({ promptId, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).rollout === null, 15_000, "the promotion");
    expect((await armsOf(prompts, promptId)).every((id) => id === candidate)).toBe(true);
    expect((await rest.queryRollout({ promptId, environment: "production" }))?.status).toBe("promoted");
  });

  it("through polling when the stream is off", async () => {
    const { promptId, stable, candidate } = await seedPrompt("rollout polled");
    const prompts = manager({ subscribe: false, pollIntervalMs: 100, pointerTtlMs: 600_000, maxStaleMs: 600_000 });
    expect(await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).toMatchObject({ versionId: stable, rollout: null });
    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 100 });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).versionId === candidate, 15_000, "the polled start");
    await rest.abortRollout({ promptId, environment: "production" });
    await until(async () => (await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).versionId === stable, 15_000, "the polled abort");
  });

  it("keeps serving the split through an outage", async () => {
    const { promptId, candidate } = await seedPrompt("rollout outage");
    await rest.startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 50 });
    const counting = countingFetch();
    // TTL 0: every call asks the server; when it cannot answer, the last known split is served.
    const prompts = manager({ subscribe: false, pollIntervalMs: 60_000, pointerTtlMs: 0, maxStaleMs: 0, fetch: counting.fetch });
    const before = await armsOf(prompts, promptId);
    counting.failNext(1000, (call) => call.path.startsWith("/v1/prompt-2025") || call.path.startsWith("/v2/"));
    const during = await Promise.all(subjects.map((subject) => prompts.getPromptBody({ prompt_id: promptId, subject, inputs })));
    expect(during.map((result) => result.versionId)).toEqual(before);
    expect(during.every((result) => result.source === "last-known-good" && result.rollout?.weight === 50)).toBe(true);
  });
});

describe("an older server", () => {
  it("works with a server that has no rollouts yet (query/rollout answers 404): the environment's version", async () => {
    const { promptId, stable } = await seedPrompt("rollout old server");
    const proxy = await startSwitchableProxy(server.url);
    try {
      proxy.missing.add("/v1/prompt-2025/query/rollout");
      const prompts = manager({ url: proxy.url, subscribe: false, pollIntervalMs: 60_000, pointerTtlMs: 0, maxStaleMs: 0 });
      for (let i = 0; i < 3; i++) {
        expect(await prompts.getPromptBody({ prompt_id: promptId, subject: "user-1", inputs })).toMatchObject({ versionId: stable, rollout: null, source: "network" });
      }
    } finally {
      await proxy.close();
    }
  });
});
