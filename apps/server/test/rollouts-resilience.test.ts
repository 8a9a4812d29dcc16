// A rollout in progress survives (issue 14): a second replica agrees with the first on every subject; a
// server restart keeps it (its state is in the database); a database outage keeps the split served from
// the cached snapshot while the evaluator skips its ticks quietly, and everything resumes once it is back.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb, type EmbeddedDb } from "@promptreg/embedded-db";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "../src/testing/index.js";

let dataDir: string;
let db: EmbeddedDb;
let fake: FakeLlm;
let a: TestServer;
let b: TestServer;

const env = () => ({ MONGODB_URI: db.uri, OPENAI_BASE_URL: fake.baseUrl, PROMPTREG_DB_TIMEOUT_MS: "2000", PROMPTREG_POINTER_CACHE_TTL_MS: "200", PROMPTREG_ROLLOUT_EVALUATION_MS: "100" });
const template = (text: string) => ({ model: "gpt-4o-mini", messages: [{ role: "user", content: text }] });
const subjects = Array.from({ length: 40 }, (_, i) => `member-${i}`);

async function served(server: TestServer, promptId: string, subject: string) {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "x-prompt-subject": subject },
    body: JSON.stringify({ prompt_id: promptId, inputs: {} }),
  });
  await response.text();
  return { status: response.status, versionId: response.headers.get("x-prompt-version-id"), rollout: response.headers.get("x-prompt-rollout") };
}

const armsOn = async (server: TestServer, promptId: string) => {
  const out: Array<Awaited<ReturnType<typeof served>>> = [];
  for (const s of subjects) out.push(await served(server, promptId, s));
  return out;
};

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch((e: unknown) => e as T);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // A database of this file's own, so it can be stopped and started again on the same port.
  dataDir = await mkdtemp(join(tmpdir(), "promptreg-rollout-resilience-"));
  db = await startEmbeddedDb({ dataDir });
  fake = await startFakeLlm();
  a = await startTestServer(env());
  b = await startTestServer({ ...env(), MONGODB_DB: a.dbName });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await fake?.close();
  await db?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("a rollout in progress", () => {
  let promptId: string;
  let stable: string;
  let candidate: string;
  let expected: Array<Awaited<ReturnType<typeof served>>>;

  it("two replicas agree on every subject, and learn each other's changes through the feed", async () => {
    const created = await a.call("POST", "/v1/prompt-2025", { name: "resilient-rollout", promptBody: template("one") });
    ({ id: promptId, versionId: stable } = created);
    candidate = (await a.call("POST", "/v1/prompt-2025/update", { promptId, promptVersionId: stable, promptBody: template("two") })).id;
    expect((await served(b, promptId, "warm")).versionId).toBe(stable); // B caches the snapshot before the rollout

    await a.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 50 });
    const onA = await armsOn(a, promptId);
    expect(new Set(onA.map((x) => x.versionId))).toEqual(new Set([stable, candidate]));
    // B learns the rollout from its deployment feed, then answers every subject as A does.
    await until("B to split", async () => (await served(b, promptId, subjects[0]!)).rollout, (r) => r !== null);
    expect(await armsOn(b, promptId)).toEqual(onA);

    // A re-weight on B reaches A: same rollout, subjects only move to the candidate.
    await b.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 80 });
    const before = onA.filter((x) => x.versionId === candidate).length;
    await until("A to see 80 %", () => armsOn(a, promptId), (arms) => arms.filter((x) => x.versionId === candidate).length > before);
    expected = await armsOn(a, promptId);
    onA.forEach((x, i) => x.versionId === candidate && expect(expected[i]!.versionId).toBe(candidate));
    expect(await armsOn(b, promptId)).toEqual(expected);
  });

  it("survives a server restart: same rollout, same arms", async () => {
    await b.stop();
    b = await startTestServer({ ...env(), MONGODB_DB: a.dbName });
    expect(await b.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" })).toMatchObject({ status: "active", weight: 80 });
    expect(await armsOn(b, promptId)).toEqual(expected);
  });

  it("survives a database outage: the split is served from cache, the evaluator skips quietly, then resumes", { timeout: 90_000 }, async () => {
    // A rule, so the evaluator has work on every tick (it must not trip: the fake provider answers).
    await a.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 80, autoRollback: { maxErrorRate: 0.5, minRequests: 1000 } });
    await until("B to see the rule", () => b.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" }), (r) => r?.auto_rollback !== null);
    // query/rollout reads the database; the feeds may not have brought the change to the gateways' caches
    // yet, and a cached snapshot invalidated once the database is down has nothing stale to serve. Let each
    // replica's feed take it in now, so the snapshots read below are the ones the outage is served from.
    await Promise.all([a.services.deploymentFeed.poll(), b.services.deploymentFeed.poll()]);
    expected = await armsOn(b, promptId);
    await armsOn(a, promptId);
    // An evaluator of our own, logging where we can count it (both servers run theirs too, every 100 ms).
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const evaluator = a.services.rollouts.startEvaluator(50, logger, 2000);
    try {
      await db.stop();
      // Many ticks fail while it is down; calls keep their arms from the cached snapshots on both replicas.
      // (A sample: while the database is down each call first waits out its database deadline, 2 s here.)
      for (const server of [a, b]) {
        const t0 = Date.now();
        for (const [i, subject] of subjects.slice(0, 3).entries()) expect(await served(server, promptId, subject)).toEqual(expected[i]);
        console.log(`outage: 3 calls in ${Date.now() - t0} ms`);
      }
      await new Promise((r) => setTimeout(r, 1500));
      // Quietly: a few hundred failed ticks, one warning (a loaded machine may see the database flicker
      // while it stops, so a tick can get through and the warning come again: a handful at most).
      const warnings = lines.filter((l) => l.includes("rollout evaluation"));
      expect(warnings[0], warnings.join("")).toMatch(/skipped: the database is unavailable/);
      expect(warnings.length, warnings.join("")).toBeLessThanOrEqual(3);

      db = await startEmbeddedDb({ dataDir, port: db.port });
      const t1 = Date.now();
      await until("the evaluator to resume", async () => lines.join(""), (t) => t.includes("rollout evaluation resumed"), 30_000).catch(async (error: unknown) => {
        // Say whether the database is back for a new client while this server's is not (seen twice at a load
        // of 4+ on 2 cores: the server's MongoClient still failing server selection 30 s after the restart).
        const { MongoClient } = await import("mongodb");
        const fresh = new MongoClient(db.uri, { serverSelectionTimeoutMS: 3000 });
        const ping = await fresh.db("admin").command({ ping: 1 }).then(() => "a new client connects", (e: unknown) => `a new client fails too: ${String(e)}`);
        await fresh.close();
        const direct = await a.services.rollouts.evaluate().then(() => "ok", (e: unknown) => String(e));
        throw new Error(`${String(error)}; its log: ${lines.join("")}; an evaluation now: ${direct}; ${ping}`);
      });
      expect(lines.filter((l) => l.includes("rollout evaluation")).length).toBeLessThanOrEqual(warnings.length + 1);
      console.log(`evaluation resumed ${Date.now() - t1} ms after the database came back`);
    } finally {
      evaluator.stop();
    }
    for (const server of [a, b]) {
      await until("the API to answer again", () => server.rest("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" }), (r) => r.status === 200, 60_000);
    }
    expect(await a.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" })).toMatchObject({ status: "active", weight: 80 });
    expect(await armsOn(a, promptId)).toEqual(expected);
    // And it can still end.
    await b.call("POST", "/v1/prompt-2025/rollout/promote", { promptId, environment: "production" });
    await until("A to serve the candidate to all", () => armsOn(a, promptId), (arms) => arms.every((x) => x.versionId === candidate && x.rollout === null));
  });
});
