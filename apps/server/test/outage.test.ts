// Database outage: the API answers 503 quickly with a clear error, /readyz fails, the gateway keeps
// serving what it has cached, and everything recovers on its own once the database is back. A frozen
// database (SIGSTOP: connections open, nothing answers) is bounded by the request's deadline as a whole.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb, type EmbeddedDb } from "@promptreg/embedded-db";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let dataDir: string;
let db: EmbeddedDb;
let fake: FakeLlm;
let server: TestServer;
/** A replica of the same data that trusts a cached key for 1 s past its last confirmation, not 5 minutes. */
let strict: TestServer;
let memberKey: string;

beforeAll(async () => {
  // A database of this file's own, so it can be stopped and started again on the same port.
  dataDir = await mkdtemp(join(tmpdir(), "promptreg-outage-"));
  db = await startEmbeddedDb({ dataDir });
  fake = await startFakeLlm();
  server = await startTestServer({ MONGODB_URI: db.uri, OPENAI_BASE_URL: fake.baseUrl, PROMPTREG_DB_TIMEOUT_MS: "1000", PROMPTREG_POINTER_CACHE_TTL_MS: "200" });
  memberKey = (await server.rest("POST", "/v1/api-keys", { name: "app" })).body.data.secret;
  strict = await startTestServer({ MONGODB_URI: db.uri, MONGODB_DB: server.dbName, OPENAI_BASE_URL: fake.baseUrl, PROMPTREG_DB_TIMEOUT_MS: "1000", PROMPTREG_POINTER_CACHE_TTL_MS: "200", PROMPTREG_AUTH_OUTAGE_GRACE_MS: "1000" });
});
afterAll(async () => {
  await strict?.stop();
  await server.stop();
  await fake.close();
  await db.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const gateway = (promptId: string, key = ADMIN_KEY, on = server) =>
  fetch(`${on.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ prompt_id: promptId, inputs: { company: "Acme", customer: "Ann", question: "Hi?" } }),
  });

describe("database outage", () => {
  it("answers 503, keeps the gateway serving cached prompts (cached keys for a bounded time), and recovers by itself", { timeout: 90_000 }, async () => {
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "resilient", promptBody: sampleBody() })).body.data;
    expect((await gateway(id, memberKey)).status).toBe(200); // warms the key, pointer and version caches
    expect((await gateway(id, memberKey, strict)).status).toBe(200); // and the strict replica's
    const keyConfirmedOnStrict = Date.now();
    const fetchPrompt = (headers: Record<string, string> = {}) =>
      fetch(`${server.url}/v2/prompt-2025/query/environment-version`, {
        method: "POST",
        headers: { authorization: `Bearer ${memberKey}`, "content-type": "application/json", ...headers },
        body: JSON.stringify({ promptId: id, environment: "production" }),
      });
    expect((await fetchPrompt()).status).toBe(200); // and the REST prompt fetch's

    await db.stop();

    const started = Date.now();
    const res = await server.rest("POST", "/v1/prompt-2025/query", {});
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ data: null, error: "database unavailable; try again shortly" });
    expect(res.headers.get("retry-after")).toBe("2");
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await server.rest("GET", "/readyz", undefined, { key: null })).status).toBe(503);
    expect((await server.rest("GET", "/healthz", undefined, { key: null })).status).toBe(200);

    // Past the pointer TTL the cached resolution is stale, but served rather than failing.
    await new Promise((r) => setTimeout(r, 300));
    const served = await gateway(id, memberKey);
    expect(served.status).toBe(200);
    expect(served.headers.get("x-prompt-id")).toBe(id);

    // So is the REST prompt fetch (an SDK's), unless the caller insists on a database read.
    const fetched = await fetchPrompt();
    expect(fetched.status).toBe(200);
    expect(((await fetched.json()) as { data: { id: string } }).data.id).toBe(versionId);
    const insisted = await fetchPrompt({ "cache-control": "no-cache" });
    expect(insisted.status).toBe(503);
    expect(await insisted.json()).toEqual({ data: null, error: "database unavailable; try again shortly" });
    expect((await fetchPrompt()).status).toBe(200); // the failed read-through left the cached answer

    // An uncached prompt cannot be served: 503 in OpenAI's shape.
    const unknown = await gateway("zzzzzz");
    expect(unknown.status).toBe(503);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");

    // The key was last confirmed by the database more than 10 s (the key cache) + 1 s (the strict replica's
    // grace) ago: the strict replica refuses to vouch for it without the database, the default one (5 min) still does.
    await new Promise((r) => setTimeout(r, Math.max(0, keyConfirmedOnStrict + 11_500 - Date.now())));
    const untrusted = await gateway(id, memberKey, strict);
    expect(untrusted.status).toBe(503);
    expect(((await untrusted.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");
    expect((await gateway(id, memberKey)).status).toBe(200);

    db = await startEmbeddedDb({ dataDir, port: db.port });
    const back = Date.now();
    let ready = false;
    while (!ready && Date.now() - back < 5000) {
      ready = (await server.rest("GET", "/readyz", undefined, { key: null })).status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(true);
    expect((await server.rest("GET", `/v1/prompt-2025/id/${id}`)).status).toBe(200);
    expect((await server.rest("POST", "/v1/prompt-2025", { name: "after", promptBody: sampleBody() })).status).toBe(201);
  });
});

describe("frozen database", () => {
  it("answers 503 within the database timeout for the whole request, not per operation, and recovers", { timeout: 120_000 }, async () => {
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "frozen", promptBody: sampleBody() })).body.data;
    // Requests that send several database operations each: a listing (prompt, index head and chunks,
    // pointers), a creation (lock, counter, insert, index...), the prompt list, an uncached fetch.
    const calls: Array<[string, () => ReturnType<TestServer["rest"]>]> = [
      ["query/versions", () => server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id })],
      ["update", () => server.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, promptBody: sampleBody() })],
      ["query", () => server.rest("POST", "/v1/prompt-2025/query", {})],
      ["tRPC versions.list", () => server.rest("GET", `/trpc/versions.list?input=${encodeURIComponent(JSON.stringify({ promptId: id }))}`)],
      ["uncached fetch", () => server.rest("POST", "/v2/prompt-2025/query/environment-version", { promptId: id, environment: "staging" }, { headers: { "cache-control": "no-cache" } })],
    ];
    process.kill(db.pid, "SIGSTOP");
    try {
      for (const [name, call] of calls) {
        const started = Date.now();
        const res = await call();
        const took = Date.now() - started;
        expect(res.status, `${name}: ${res.text}`).toBe(503);
        // PROMPTREG_DB_TIMEOUT_MS is 1 s here: ~1.04 s each. Before the deadline covered the whole request
        // (db/deadline.ts), the first took 10.6 s (the driver waited for its heartbeat to give the server
        // up; ~19 s with a 5 s timeout).
        expect(took, name).toBeLessThan(8000);
      }
    } finally {
      process.kill(db.pid, "SIGCONT");
    }
    const back = Date.now();
    let listed = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id });
    while (listed.status !== 200 && Date.now() - back < 30_000) {
      await new Promise((r) => setTimeout(r, 200));
      listed = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id });
    }
    expect(listed.status).toBe(200);
    expect(listed.body.data.at(-1).id).toBe(versionId);
  });
});

