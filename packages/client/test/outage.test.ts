// The prompt manager through outages: a stopped server, a server answering 503, a proxy switched to 503.
// It serves the last known good body or the caller's fallback, says so, and never throws for what it can
// serve; a 404 is not an outage.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createRestClient,
  PromptManager,
  PromptNotFoundError,
  PromptregApiError,
  PromptregNetworkError,
  PromptUnavailableError,
  type PromptManagerEvent,
  type PromptManagerOptions,
} from "../src/index.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";
import { sampleBody, startSwitchableProxy, startUnavailableServer, until } from "./harness.js";

const inputs = { company: "Acme", question: "Where is my order?" };
const managers: PromptManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.close();
});

function manager(options: PromptManagerOptions): PromptManager {
  const created = new PromptManager(options);
  managers.push(created);
  return created;
}

const fallbackBody = sampleBody("Fallback:");

describe("the server stops", () => {
  let server: TestServer;
  let promptId: string;
  let versionId: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({ id: promptId, versionId } = await createRestClient({ url: server.url, apiKey: ADMIN_KEY }).createPrompt({ name: "outage", promptBody: sampleBody() }));
  });
  afterAll(async () => server.stop());

  it("serves stale, then the last known good body, then the fallback for what it never saw; never throws for those", async () => {
    const events: PromptManagerEvent[] = [];
    const prompts = manager({
      url: server.url,
      apiKey: ADMIN_KEY,
      subscribe: false,
      pollIntervalMs: 60_000,
      // Wide windows, so a slow machine cannot turn "stale" into "last known good": fresh for 100 ms,
      // stale until 1.5 s, then last known good.
      pointerTtlMs: 100,
      maxStaleMs: 1500,
      outageBackoffMs: 100,
      fallbacks: { [promptId]: fallbackBody, abc123: fallbackBody },
      onEvent: (e) => events.push(e),
    });
    const fresh = await prompts.getPromptBody({ prompt_id: promptId, inputs });
    expect(fresh).toMatchObject({ source: "network", versionId, version: "1.0" });

    await server.stop();

    await new Promise((r) => setTimeout(r, 150));
    const stale = await prompts.getPromptBody({ prompt_id: promptId, inputs });
    expect(stale).toMatchObject({ source: "stale", versionId, body: fresh.body });
    await until(() => events.some((e) => e.type === "revalidation-failed" && e.promptId === promptId), 15_000, "the failed revalidation");

    await new Promise((r) => setTimeout(r, 1500));
    const lastKnownGood = await prompts.getPromptBody({ prompt_id: promptId, inputs });
    expect(lastKnownGood).toMatchObject({ source: "last-known-good", versionId, version: "1.0", body: fresh.body, errors: [] });
    const outage = events.find((e) => e.type === "outage");
    expect(outage).toMatchObject({ type: "outage", promptId, served: "last-known-good" });
    expect((outage as { error: unknown }).error).toBeInstanceOf(PromptregNetworkError);

    // Never fetched (staging) but the prompt has a fallback.
    const fallback = await prompts.getPromptBody({ prompt_id: promptId, environment: "staging", inputs });
    expect(fallback).toMatchObject({ source: "fallback", versionId: null, version: null, errors: [] });
    expect(fallback.body.messages[0]).toEqual({ role: "system", content: "Fallback: You support Acme." });
    expect((await prompts.getPromptBody({ prompt_id: "abc123", inputs })).source).toBe("fallback");

    // Nothing to serve: a typed error naming the outage, whose cause is the outage even while the manager
    // backs off (asks nothing) after it.
    const error = await prompts.getPromptBody({ prompt_id: "zzz999", inputs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptUnavailableError);
    expect((error as PromptUnavailableError).cause).toBeInstanceOf(PromptregNetworkError);
    expect((error as Error).message).toMatch(/server is unavailable \(/);
    expect(events).toContainEqual(expect.objectContaining({ type: "outage", promptId: "zzz999", served: "none" }));
  });

  it("a fresh manager with only a fallback serves it while the server is down", async () => {
    const prompts = manager({ url: server.url, apiKey: ADMIN_KEY, subscribe: false, fallbacks: { [promptId]: fallbackBody } });
    const served = await prompts.getPromptBody({ prompt_id: promptId, inputs });
    expect(served).toMatchObject({ source: "fallback", errors: [], warnings: [] });
  });
});

describe("the server answers 503", () => {
  let unavailable: Awaited<ReturnType<typeof startUnavailableServer>>;
  beforeAll(async () => {
    unavailable = await startUnavailableServer();
  });
  afterAll(async () => unavailable.close());

  it("serves the fallback, or throws PromptUnavailableError caused by the 503", async () => {
    const prompts = manager({ url: unavailable.url, apiKey: ADMIN_KEY, fallbacks: { abc123: fallbackBody }, outageBackoffMs: 0 });
    const served = await prompts.getPromptBody({ prompt_id: "abc123", inputs });
    expect(served).toMatchObject({ source: "fallback", versionId: null });
    expect(served.body).toEqual({
      model: "gpt-4o-mini",
      temperature: 0.3,
      messages: [
        { role: "system", content: "Fallback: You support Acme." },
        { role: "user", content: "Where is my order?" },
      ],
    });

    const error = await prompts.getPromptBody({ prompt_id: "def456", inputs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptUnavailableError);
    const cause = (error as PromptUnavailableError).cause;
    expect(cause).toBeInstanceOf(PromptregApiError);
    expect((cause as PromptregApiError).status).toBe(503);
  });

  it("backs off after an outage instead of asking on every call", async () => {
    const prompts = manager({ url: unavailable.url, apiKey: ADMIN_KEY, subscribe: false, pollIntervalMs: 60_000, fallbacks: { abc123: fallbackBody }, outageBackoffMs: 60_000 });
    expect(await prompts.ready()).toBe(false);
    const before = unavailable.requests;
    for (let i = 0; i < 10; i++) expect((await prompts.getPromptBody({ prompt_id: "abc123", inputs })).source).toBe("fallback");
    // The first call's one fetch (the environment's version and its rollout, asked at the same time), then none.
    expect(unavailable.requests - before).toBe(2);
  });
});

describe("the server hangs", () => {
  it("a request past timeoutMs is an outage: the fallback is served", async () => {
    const hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const prompts = manager({ url, apiKey: ADMIN_KEY, subscribe: false, pollIntervalMs: 60_000, timeoutMs: 100, fallbacks: { abc123: fallbackBody } });
      const started = performance.now();
      const served = await prompts.getPromptBody({ prompt_id: "abc123", inputs });
      expect(served.source).toBe("fallback");
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });
});

describe("a proxy in front of the server switches to 503", () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startSwitchableProxy>>;
  let promptId: string;

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startSwitchableProxy(server.url);
    ({ id: promptId } = await createRestClient({ url: server.url, apiKey: ADMIN_KEY }).createPrompt({ name: "proxied", promptBody: sampleBody() }));
  });
  afterAll(async () => {
    await proxy.close();
    await server.stop();
  });

  it("serves the last known good body during the 503s and the server's answer again after", async () => {
    proxy.mode = "pass";
    const prompts = manager({ url: proxy.url, apiKey: ADMIN_KEY, subscribe: false, pollIntervalMs: 60_000, pointerTtlMs: 10, maxStaleMs: 10, outageBackoffMs: 50 });
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("network");
    proxy.mode = "503";
    await new Promise((r) => setTimeout(r, 30));
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("last-known-good");
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("last-known-good");
    proxy.mode = "pass";
    await new Promise((r) => setTimeout(r, 80));
    expect((await prompts.getPromptBody({ prompt_id: promptId, inputs })).source).toBe("network");
  });

  it("a partial that cannot be served through an outage: the prompt's fallback, or the partial's", async () => {
    proxy.mode = "pass";
    const rest = createRestClient({ url: server.url, apiKey: ADMIN_KEY });
    const shared = await rest.createPrompt({ name: "shared", promptBody: { model: "m", messages: [{ role: "system", content: "Be kind." }] } });
    const main = await rest.createPrompt({
      name: "uses partial",
      promptBody: { model: "gpt-4o-mini", messages: [{ role: "system", content: `{{hcp:${shared.id}:0}} Help {{hc:company:string}}.` }] },
    });
    const options = { url: proxy.url, apiKey: ADMIN_KEY, subscribe: false, pollIntervalMs: 60_000 };
    const withMainFallback = manager({ ...options, fallbacks: { [main.id]: sampleBody("Fallback:") } });
    const withPartialFallback = manager({ ...options, fallbacks: { [shared.id]: { model: "m", messages: [{ role: "system", content: "Be brief." }] } } });
    const without = manager(options);
    for (const prompts of [withMainFallback, withPartialFallback, without]) {
      expect((await prompts.getPromptBody({ prompt_id: main.id, inputs })).body.messages).toEqual([{ role: "system", content: "Be kind. Help Acme." }]);
      prompts.invalidate(shared.id); // the partial's pointer is gone, the main prompt's is cached
    }
    proxy.mode = "503";
    const viaMain = await withMainFallback.getPromptBody({ prompt_id: main.id, inputs });
    expect(viaMain).toMatchObject({ source: "fallback", versionId: null });
    expect(viaMain.body.messages[0]).toEqual({ role: "system", content: "Fallback: You support Acme." });
    const viaPartial = await withPartialFallback.getPromptBody({ prompt_id: main.id, inputs });
    expect(viaPartial).toMatchObject({ source: "fallback", versionId: main.versionId });
    expect(viaPartial.body.messages).toEqual([{ role: "system", content: "Be brief. Help Acme." }]);
    await expect(without.getPromptBody({ prompt_id: main.id, inputs })).rejects.toBeInstanceOf(PromptUnavailableError);
    proxy.mode = "pass";
  });

  it("a 404 is not an outage: no fallback, no last known good", async () => {
    proxy.mode = "pass";
    const prompts = manager({ url: proxy.url, apiKey: ADMIN_KEY, subscribe: false, fallbacks: { nope00: fallbackBody } });
    await expect(prompts.getPromptBody({ prompt_id: "nope00", inputs })).rejects.toBeInstanceOf(PromptNotFoundError);
  });

  it("a refused key is not an outage either", async () => {
    proxy.mode = "pass";
    const prompts = manager({ url: proxy.url, apiKey: "wrong-key-0123456789", subscribe: false, fallbacks: { [promptId]: fallbackBody } });
    const error = await prompts.getPromptBody({ prompt_id: promptId, inputs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptregApiError);
    expect((error as PromptregApiError).status).toBe(401);
  });
});
