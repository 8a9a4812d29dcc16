// Automatic rollback (issue 14): a candidate whose calls fail (its model goes to a provider on a dead port)
// is rolled back by the evaluator, with the figures as the reason, in the history and on the stream;
// with two replicas evaluating the same rollouts, exactly one acts. Real servers on one database, real
// gateway calls, the default evaluation interval and analytics flush.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { servesCandidate } from "@promptreg/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rollbackReason } from "../src/services/rollouts.service.js";
import { ADMIN_KEY, startTestServer, startTestServerWithFakeLlm, type TestServer, type TestServerWithLlm } from "../src/testing/index.js";

let a: TestServerWithLlm;
let b: TestServer;

const template = (model: string) => ({ model, messages: [{ role: "user", content: "{{hc:question:string}}" }] });

function providersFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "promptreg-rollback-"));
  const path = join(dir, "providers.json");
  // Port 9 (discard) on loopback: nothing listens, every call fails to connect.
  writeFileSync(path, JSON.stringify({ providers: { dead: { type: "openai", baseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: "DEAD_KEY" } }, breaker: { failureThreshold: 0 } }));
  return path;
}

beforeAll(async () => {
  const env = { PROMPTREG_PROVIDERS_FILE: providersFile(), DEAD_KEY: "sk-dead" };
  a = await startTestServerWithFakeLlm(env);
  // A second replica of the same data, evaluating too (its gateway forwards to A's fake provider).
  b = await startTestServer({ ...env, OPENAI_BASE_URL: a.llm.baseUrl, OPENAI_API_KEY: "sk-test-upstream-key", MONGODB_DB: a.dbName });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

async function failingRollout(rule: Record<string, unknown>) {
  const created = await a.call("POST", "/v1/prompt-2025", { name: `rollback-${randomBytes(3).toString("hex")}`, promptBody: template("gpt-4o-mini") });
  const stable: string = created.versionId;
  const candidate: string = (await a.call("POST", "/v1/prompt-2025/update", { promptId: created.id, promptVersionId: stable, promptBody: template("gpt-4o-mini/dead") })).id;
  await a.call("POST", "/v1/prompt-2025/update/rollout", { promptId: created.id, environment: "production", promptVersionId: candidate, weight: 50, autoRollback: rule });
  const rollout = await a.call("POST", "/v1/prompt-2025/query/rollout", { promptId: created.id, environment: "production" });
  return { promptId: created.id as string, stable, candidate, rolloutId: rollout.id as string };
}

/** Gateway calls on both replicas for `count` subjects of each arm; answers the statuses per arm. */
async function traffic(promptId: string, rolloutId: string, perArm: number) {
  const candidateSubjects: string[] = [];
  const stableSubjects: string[] = [];
  for (let i = 0; candidateSubjects.length < perArm || stableSubjects.length < perArm; i++) {
    const subject = `t-${i}`;
    (servesCandidate(rolloutId, subject, 50) ? candidateSubjects : stableSubjects).push(subject);
  }
  const call = async (server: TestServer, subject: string) => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "x-prompt-subject": subject },
      body: JSON.stringify({ prompt_id: promptId, inputs: { question: "hi" } }),
    });
    await response.text();
    return { status: response.status, versionId: response.headers.get("x-prompt-version-id"), rollout: response.headers.get("x-prompt-rollout") };
  };
  const candidateAnswers = await Promise.all(candidateSubjects.slice(0, perArm).map((s, i) => call(i % 2 === 0 ? a : b, s)));
  const stableAnswers = await Promise.all(stableSubjects.slice(0, perArm).map((s, i) => call(i % 2 === 0 ? a : b, s)));
  return { candidateAnswers, stableAnswers, candidateSubjects };
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("automatic rollback", () => {
  it("a failing candidate is rolled back once (two replicas evaluating), with the figures, in the history and on the stream", async () => {
    const { promptId, stable, candidate, rolloutId } = await failingRollout({ maxErrorRate: 0.2, minRequests: 20 });

    // The stream of replica B (it learns the rollback from the deployment feed, or made it).
    const controller = new AbortController();
    const stream = await fetch(`${b.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: controller.signal });
    const reader = stream.body!.getReader();
    let text = "";
    const pump = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();

    const { candidateAnswers, stableAnswers, candidateSubjects } = await traffic(promptId, rolloutId, 24);
    expect(candidateAnswers.every((x) => x.status >= 500 && x.versionId === candidate && x.rollout === `${rolloutId};arm=candidate`)).toBe(true);
    expect(stableAnswers.every((x) => x.status === 200 && x.versionId === stable)).toBe(true);
    const lastCallAt = Date.now();

    const ended = await waitFor("the rollback", () => a.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" }), (r) => r.status !== "active");
    const tookMs = Date.now() - lastCallAt;
    console.log(`auto-rollback: rolled back ${tookMs} ms after the last failing call (evaluation every 2000 ms, analytics flush every 1000 ms)`);
    expect(ended).toMatchObject({ id: rolloutId, status: "rolled_back" });
    expect(ended.reason).toMatch(/^candidate error rate 1 over (2[4-9]|[3-9]\d) calls exceeds 0\.2$/);
    const viaTrpc = await b.trpc().rollouts.get.query({ promptId, environment: "production" });
    expect(viaTrpc).toMatchObject({ status: "rolled_back", endedBy: "auto-rollback", reason: ended.reason });

    // Exactly one terminal entry, though both replicas evaluate.
    await new Promise((r) => setTimeout(r, 3000)); // both evaluators have run at least once more
    const history = await a.trpc().environments.history.query({ promptId, environment: "production" });
    expect(history.map((h) => h.action)).toEqual(["rollout-rollback", "rollout-start", "set"]);
    expect(history[0]).toMatchObject({ versionId: stable, keyId: null, actor: "auto-rollback", reason: ended.reason, rolloutId, candidateVersionId: candidate });

    // Every call is back on stable, on both replicas (B through its feed).
    for (const [i, subject] of candidateSubjects.slice(0, 6).entries()) {
      const server = i % 2 === 0 ? a : b;
      const answer = await waitFor(
        "stable on every replica",
        async () => {
          const r = await fetch(`${server.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "x-prompt-subject": subject },
            body: JSON.stringify({ prompt_id: promptId, inputs: { question: "hi" } }),
          });
          await r.text();
          return { status: r.status, versionId: r.headers.get("x-prompt-version-id"), rollout: r.headers.get("x-prompt-rollout") };
        },
        (x) => x.versionId === stable,
        10_000,
      );
      expect(answer).toEqual({ status: 200, versionId: stable, rollout: null });
    }

    await waitFor("the stream event", async () => text, (t) => t.includes('"action":"rollout-rollback"'), 10_000);
    controller.abort();
    await pump;
    const event = text
      .split("\n\n")
      .filter((block) => block.includes("event: deployment") && block.includes("rollout-rollback"))
      .map((block) => JSON.parse(block.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as Record<string, unknown>);
    expect(event).toHaveLength(1);
    expect(event[0]).toMatchObject({ promptId, environment: "production", versionId: stable, action: "rollout-rollback", actor: "auto-rollback", reason: ended.reason, rolloutId });
  }, 60_000);

  it("a candidate under the minimum number of calls, or healthy, is left running", async () => {
    const { promptId, rolloutId } = await failingRollout({ maxErrorRate: 0.2, minRequests: 500 });
    await traffic(promptId, rolloutId, 10);
    // Let the calls be flushed and two evaluations pass on each replica, then evaluate by hand too.
    await new Promise((r) => setTimeout(r, 4500));
    expect(await a.services.rollouts.evaluate()).toEqual([]);
    expect(await a.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" })).toMatchObject({ status: "active" });
  }, 30_000);
});

describe("what a rollout counts", () => {
  it("only the candidate's calls since the rollout started, not earlier ones of the same minute (a restart right after a rollback starts clean)", async () => {
    const first = await failingRollout({ maxErrorRate: 0.2, minRequests: 500 });
    const firstCallAt = Date.now();
    await traffic(first.promptId, first.rolloutId, 10);
    const lastCallAt = Date.now();
    const scope = { orgId: "default" };
    const windowSince = (since: number) => a.services.analytics.versionWindow(scope, { promptId: first.promptId, versionId: first.candidate, environment: "production", since: new Date(since) });
    // All ten are recorded (the recorder flushes every second)...
    await waitFor("the calls recorded", () => windowSince(firstCallAt - 1), (w) => w.requests === 10);
    // ...and none of them is after the last one, although the minute of `since` holds some of them.
    expect(await windowSince(lastCallAt + 1)).toMatchObject({ requests: 0, errors: 0 });

    // End to end: abort and start the same candidate again at once; its rule would trip on the old calls.
    await a.call("POST", "/v1/prompt-2025/rollout/abort", { promptId: first.promptId, environment: "production" });
    await a.call("POST", "/v1/prompt-2025/update/rollout", { promptId: first.promptId, environment: "production", promptVersionId: first.candidate, weight: 50, autoRollback: { maxErrorRate: 0.2, minRequests: 5 } });
    expect(await a.services.rollouts.evaluate()).toEqual([]);
    expect(await a.call("POST", "/v1/prompt-2025/query/rollout", { promptId: first.promptId, environment: "production" })).toMatchObject({ status: "active" });
  }, 60_000);
});

describe("the index of active rollouts", () => {
  it("drops entries of deleted prompts and of starts that never became active, and keeps evaluating the rest", async () => {
    const gone = await failingRollout({ maxErrorRate: 0.2, minRequests: 5 });
    const kept = await failingRollout({ maxErrorRate: 0.2, minRequests: 1000 });
    await a.call("DELETE", `/v1/prompt-2025/${gone.promptId}`);
    const db = await a.rawDb();
    const index = db.collection<{ _id: string; orgId: string; promptId: string; environment: string; createdAt: Date }>("active_rollouts");
    // A start that lost its race long ago, and one still under way (not yet on its pointer).
    const { orgId } = await a.services.auth.authenticate(`Bearer ${ADMIN_KEY}`);
    await index.insertOne({ _id: "lost-start", orgId, promptId: kept.promptId, environment: "production", createdAt: new Date(Date.now() - 120_000) });
    await index.insertOne({ _id: "start-under-way", orgId, promptId: kept.promptId, environment: "production", createdAt: new Date() });
    expect(await a.services.rollouts.evaluate()).toEqual([]);
    const ids = (await index.find({}).toArray()).map((d) => d._id);
    expect(ids).not.toContain(gone.rolloutId);
    expect(ids).not.toContain("lost-start");
    expect(ids).toContain("start-under-way");
    expect(ids).toContain(kept.rolloutId);
    await index.deleteOne({ _id: "start-under-way" });
    // Ending a rollout removes its entry.
    await a.call("POST", "/v1/prompt-2025/rollout/abort", { promptId: kept.promptId, environment: "production" });
    expect(await index.findOne({ _id: kept.rolloutId })).toBeNull();
  });
});

describe("the rule", () => {
  const rule = { maxErrorRate: 0.2, minRequests: 50 };
  it("trips on the error rate past the minimum, or on p95 latency when given, and states the figures", () => {
    expect(rollbackReason(rule, { requests: 49, errors: 49, errorRate: 1, p95LatencyMs: 10 })).toBeNull();
    expect(rollbackReason(rule, { requests: 50, errors: 10, errorRate: 0.2, p95LatencyMs: 10 })).toBeNull();
    expect(rollbackReason(rule, { requests: 50, errors: 31, errorRate: 0.62, p95LatencyMs: 10 })).toBe("candidate error rate 0.62 over 50 calls exceeds 0.2");
    const latency = { ...rule, maxP95LatencyMs: 800 };
    expect(rollbackReason(latency, { requests: 80, errors: 0, errorRate: 0, p95LatencyMs: 1234.4 })).toBe("candidate p95 latency 1234 ms over 80 calls exceeds 800 ms");
    expect(rollbackReason(latency, { requests: 80, errors: 0, errorRate: 0, p95LatencyMs: 700 })).toBeNull();
    expect(rollbackReason(latency, { requests: 80, errors: 0, errorRate: 0, p95LatencyMs: null })).toBeNull();
  });
});
