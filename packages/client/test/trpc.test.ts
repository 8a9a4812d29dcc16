// The tRPC client against the real server: round trip, typed errors, retries of queries only, timeout.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_TRPC_BATCH_SIZE } from "@promptreg/contracts";
import { appErrorOf, createPromptregClient, isPromptregError, type PromptregClient } from "../src/index.js";
import { MAX_BATCH_SIZE } from "../src/trpc.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";
import { countingFetch, sampleBody } from "./harness.js";

let server: TestServer;
let client: PromptregClient;

beforeAll(async () => {
  server = await startTestServer();
  client = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY });
});
afterAll(async () => server.stop());

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("round trip", () => {
  it("creates, lists, versions and deploys a prompt", async () => {
    const created = await client.prompts.create.mutate({ name: "trpc round trip", tags: ["a"], body: sampleBody() });
    expect(created.prompt).toMatchObject({ name: "trpc round trip", tags: ["a"] });
    expect(created.version).toMatchObject({ majorVersion: 1, minorVersion: 0, environments: ["production"] });
    const promptId = created.prompt.id;

    const listed = await client.prompts.list.query({ search: "trpc round" });
    expect(listed.items.map((p) => p.id)).toEqual([promptId]);

    const v11 = await client.versions.create.mutate({
      promptId,
      baseVersionId: created.version.id,
      body: sampleBody("Hi!"),
      commitMessage: "warmer",
      environment: "staging",
    });
    expect(v11).toMatchObject({ majorVersion: 1, minorVersion: 1, commitMessage: "warmer", environments: ["staging"] });

    await client.environments.set.mutate({ promptId, versionId: v11.id, environment: "production" });
    const production = await client.environments.version.query({ promptId, environment: "production" });
    expect(production.id).toBe(v11.id);
    expect(production.environments.sort()).toEqual(["production", "staging"]);

    const withBody = await client.versions.withBody.query({ versionId: v11.id });
    expect(withBody.body).toEqual(sampleBody("Hi!"));
    const versions = await client.versions.list.query({ promptId });
    expect(versions.map((v) => `${v.majorVersion}.${v.minorVersion}`)).toEqual(["1.1", "1.0"]);
    const history = await client.environments.history.query({ promptId, environment: "production" });
    expect(history.map((d) => d.versionId)).toEqual([v11.id, created.version.id]);
  });

  it("reads a deployment history page by page with historyPage's cursor", async () => {
    const { prompt, version } = await client.prompts.create.mutate({ name: "trpc history pages", body: sampleBody() });
    const v11 = await client.versions.create.mutate({ promptId: prompt.id, baseVersionId: version.id, body: sampleBody("Hi!") });
    for (const target of [v11, version, v11, version]) await client.environments.set.mutate({ promptId: prompt.id, versionId: target.id, environment: "production" });
    const first = await client.environments.historyPage.query({ promptId: prompt.id, limit: 3 });
    expect(first.items.map((entry) => entry.revision)).toEqual([5, 4, 3]);
    expect(first.nextCursor).toBe(first.items[2]!.id);
    const second = await client.environments.historyPage.query({ promptId: prompt.id, limit: 3, cursor: first.nextCursor! });
    expect(second).toMatchObject({ items: [{ revision: 2 }, { revision: 1 }], nextCursor: null });
  });

  it("batches concurrent queries into one HTTP request", async () => {
    const counting = countingFetch();
    const batched = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY, fetch: counting.fetch });
    const [count, tags, environments] = await Promise.all([
      batched.prompts.count.query(),
      batched.prompts.tags.query(),
      batched.environments.inUse.query(),
    ]);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(tags).toEqual(expect.any(Array));
    expect(environments).toContain("production");
    expect(counting.count("/trpc")).toBe(1);
  });
});

describe("typed errors", () => {
  it("splits more concurrent queries than the server takes in one batch into several batches", async () => {
    const counting = countingFetch();
    const batched = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY, fetch: counting.fetch });
    const answers = await Promise.all(Array.from({ length: 120 }, () => batched.prompts.count.query()));
    expect(answers.every((n) => typeof n === "number")).toBe(true);
    expect(counting.calls.length).toBe(3);
    expect(MAX_BATCH_SIZE).toBe(MAX_TRPC_BATCH_SIZE);
  });

  it("wrong input answers BAD_REQUEST with the flattened zod error", async () => {
    const error = await failure(client.prompts.create.mutate({ name: "", body: sampleBody() }));
    expect(isPromptregError(error)).toBe(true);
    if (!isPromptregError(error)) return;
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.data?.httpStatus).toBe(400);
    expect(error.data?.zodError?.fieldErrors).toHaveProperty("name");
    expect(error.message).toMatch(/^invalid input: /);
  });

  it("a bad key answers UNAUTHORIZED (401) with the server's AppError", async () => {
    const stranger = createPromptregClient({ url: server.url, apiKey: "not-a-key-0123456789" });
    const error = await failure(stranger.prompts.count.query());
    expect(isPromptregError(error)).toBe(true);
    if (!isPromptregError(error)) return;
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.data?.httpStatus).toBe(401);
    expect(appErrorOf(error)?.code).toBe("UNAUTHORIZED");
  });

  it("an unknown id answers NOT_FOUND with appError.code", async () => {
    const error = await failure(client.prompts.byId.query({ promptId: "nope00" }));
    expect(appErrorOf(error)).toEqual({ code: "NOT_FOUND", details: null });
    expect(isPromptregError(error) && error.data?.httpStatus).toBe(404);
  });
});

describe("retries", () => {
  it("retries a query after a network error", async () => {
    const counting = countingFetch();
    const flaky = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY, fetch: counting.fetch, retryDelayMs: () => 10 });
    counting.failNext(1);
    await expect(flaky.prompts.count.query()).resolves.toEqual(expect.any(Number));
    expect(counting.count("/trpc")).toBe(2);
  });

  it("does not retry a mutation", async () => {
    const counting = countingFetch();
    const flaky = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY, fetch: counting.fetch, retryDelayMs: () => 10 });
    counting.failNext(1);
    const error = await failure(flaky.prompts.create.mutate({ name: "never sent twice", body: sampleBody() }));
    expect(isPromptregError(error)).toBe(true);
    expect(isPromptregError(error) && error.data).toBeUndefined(); // no answer from the server
    expect(counting.count("/trpc")).toBe(1);
    const listed = await client.prompts.list.query({ search: "never sent twice" });
    expect(listed.items).toHaveLength(0);
  });

  it("gives up after `retries` retries, and does not retry what the server refused", async () => {
    const counting = countingFetch();
    const flaky = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY, fetch: counting.fetch, retries: 2, retryDelayMs: () => 1 });
    counting.failNext(3);
    await expect(flaky.prompts.count.query()).rejects.toThrow();
    expect(counting.count("/trpc")).toBe(3);

    counting.reset();
    const refused = createPromptregClient({ url: server.url, apiKey: "wrong-key-0123456789", fetch: counting.fetch, retryDelayMs: () => 1 });
    await expect(refused.prompts.count.query()).rejects.toThrow();
    expect(counting.count("/trpc")).toBe(1);
  });
});

describe("timeout", () => {
  let hanging: Server;
  let hangingUrl: string;
  beforeAll(async () => {
    hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise<void>((r) => hanging.close(() => r()));
  });

  it("aborts each request after timeoutMs and retries the query", async () => {
    const counting = countingFetch();
    const slow = createPromptregClient({ url: hangingUrl, apiKey: ADMIN_KEY, fetch: counting.fetch, timeoutMs: 150, retries: 1, retryDelayMs: () => 1 });
    const started = performance.now();
    const error = await failure(slow.prompts.count.query());
    const elapsed = performance.now() - started;
    expect(isPromptregError(error)).toBe(true);
    expect(counting.count("/trpc")).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(3000);
  });
});
