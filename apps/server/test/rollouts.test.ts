// Rollouts (issue 14, API.md "Rollouts") end to end on the real server: REST and tRPC, the gateway's split
// through the real `openai` SDK against a fake provider, the history and the deployment stream, the
// Helicone-shaped reads, and the refusals.
import { randomBytes } from "node:crypto";
import { rolloutBucket, servesCandidate } from "@promptreg/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServerWithFakeLlm, type TestServerWithLlm } from "../src/testing/index.js";

let server: TestServerWithLlm;
let client: OpenAI;

const template = (greeting: string, model = "gpt-4o-mini") => ({
  model,
  messages: [
    { role: "system", content: `${greeting} You support {{hc:company:string}}.` },
    { role: "user", content: "{{hc:question:string}}" },
  ],
});
const inputs = { company: "Acme", question: "Where is my order?" };

/** A prompt with 1.0 on production and 1.1 (not deployed): the candidate. */
async function promptWithCandidate(name = `rollout-${randomBytes(3).toString("hex")}`) {
  const created = await server.call("POST", "/v1/prompt-2025", { name, promptBody: template("Hello.") });
  const stable: string = created.versionId;
  const candidate: string = (await server.call("POST", "/v1/prompt-2025/update", { promptId: created.id, promptVersionId: stable, promptBody: template("Hi!") })).id;
  return { promptId: created.id as string, stable, candidate };
}

const startRollout = (body: Record<string, unknown>, key?: string) => server.rest("POST", "/v1/prompt-2025/update/rollout", body, key === undefined ? {} : { key });
const queryRollout = (promptId: string, environment = "production") =>
  server.call<Record<string, unknown> | null>("POST", "/v1/prompt-2025/query/rollout", { promptId, environment });

/** Whether the index of active rollouts (what the evaluator walks) holds this rollout. */
const indexed = async (rolloutId: unknown) => (await (await server.rawDb()).collection("active_rollouts").countDocuments({ _id: rolloutId as never })) === 1;

async function callAs(promptId: string, subject: string | undefined, via: "header" | "user" | "safety" = "header") {
  const body: Record<string, unknown> = { prompt_id: promptId, inputs };
  const headers: Record<string, string> = {};
  if (subject !== undefined && via === "header") headers["x-prompt-subject"] = subject;
  if (subject !== undefined && via === "user") body["user"] = subject;
  if (subject !== undefined && via === "safety") body["safety_identifier"] = subject;
  const { data, response } = await client.chat.completions.create(body as never, { headers }).withResponse();
  return { data, versionId: response.headers.get("x-prompt-version-id"), rollout: response.headers.get("x-prompt-rollout") };
}

beforeAll(async () => {
  server = await startTestServerWithFakeLlm();
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server?.stop();
});

describe("a rollout through REST and the gateway", () => {
  it("splits production's calls by subject, sticky, and says which arm served", async () => {
    const { promptId, stable, candidate } = await promptWithCandidate();
    const started = await startRollout({ promptId, environment: "production", promptVersionId: candidate, weight: 30 });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ data: null, error: null });

    const rollout = await queryRollout(promptId);
    expect(rollout).toMatchObject({ stable_version_id: stable, candidate_version_id: candidate, weight: 30, status: "active", reason: null, ended_at: null, auto_rollback: null });
    const id = rollout!["id"] as string;

    // 200 real gateway calls: each subject gets the arm the contracts' hash gives it, and says so.
    const subjects = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    let candidates = 0;
    for (const subject of subjects) {
      const answer = await callAs(promptId, subject);
      const expected = servesCandidate(id, subject, 30);
      expect(answer.versionId).toBe(expected ? candidate : stable);
      expect(answer.rollout).toBe(`${id};arm=${expected ? "candidate" : "stable"}`);
      expect(answer.data.choices[0]!.message.content).toBe("echo: Where is my order?");
      if (expected) candidates++;
    }
    // 30 % of 200, within a wide tolerance (the exact split is asserted on 10k subjects below).
    expect(candidates).toBeGreaterThan(35);
    expect(candidates).toBeLessThan(85);

    // The same subject through `user` and `safety_identifier` gets the same arm as through the header.
    for (const subject of subjects.slice(0, 20)) {
      const viaHeader = (await callAs(promptId, subject)).versionId;
      expect((await callAs(promptId, subject, "user")).versionId).toBe(viaHeader);
      expect((await callAs(promptId, subject, "safety")).versionId).toBe(viaHeader);
    }

    // Helicone-shaped reads answer the stable version during the rollout.
    const env = await server.call("POST", "/v1/prompt-2025/query/environment-version", { promptId, environment: "production" });
    expect(env.id).toBe(stable);
    const prod = await server.call("POST", "/v1/prompt-2025/query/production-version", { promptId });
    expect(prod.id).toBe(stable);
    const v2 = await server.rest("POST", "/v2/prompt-2025/query/production-version", { promptId });
    if (v2.status === 200) expect(v2.body.data.id).toBe(stable);

    // A selection by version id is not split.
    const byId = await client.chat.completions.create({ prompt_id: promptId, version_id: candidate, inputs } as never, { headers: { "x-prompt-subject": "user-1" } }).withResponse();
    expect(byId.response.headers.get("x-prompt-version-id")).toBe(candidate);
    expect(byId.response.headers.get("x-prompt-rollout")).toBeNull();
  });

  it("re-weighting keeps the rollout (same id): subjects only move from stable to candidate", async () => {
    const { promptId, candidate } = await promptWithCandidate();
    await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 10 });
    const first = await queryRollout(promptId);
    const subjects = Array.from({ length: 60 }, (_, i) => `s-${i}`);
    const before = new Map<string, string | null>();
    for (const s of subjects) before.set(s, (await callAs(promptId, s)).versionId);

    await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 60 });
    const second = await queryRollout(promptId);
    expect(second!["id"]).toBe(first!["id"]);
    expect(second!["weight"]).toBe(60);
    expect(second!["started_at"]).toBe(first!["started_at"]);
    let moved = 0;
    for (const s of subjects) {
      const now = (await callAs(promptId, s)).versionId;
      if (before.get(s) === candidate) expect(now).toBe(candidate);
      else if (now === candidate) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("promote moves the environment to the candidate (a move in the history) and ends the rollout", async () => {
    const { promptId, stable, candidate } = await promptWithCandidate();
    await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 50, autoRollback: { maxErrorRate: 0.5, minRequests: 10 } });
    const started = await queryRollout(promptId);
    expect(await indexed(started!["id"])).toBe(true);
    const promoted = await server.rest("POST", "/v1/prompt-2025/rollout/promote", { promptId, environment: "production" });
    expect(promoted.status).toBe(200);
    const after = await queryRollout(promptId);
    // Ended: out of the evaluator's index.
    expect(await indexed(after!["id"])).toBe(false);
    expect(after).toMatchObject({ status: "promoted", candidate_version_id: candidate, stable_version_id: stable, auto_rollback: { max_error_rate: 0.5, min_requests: 10, max_p95_latency_ms: null } });
    expect(after!["ended_at"]).not.toBeNull();
    const answer = await callAs(promptId, "anyone");
    expect(answer.versionId).toBe(candidate);
    expect(answer.rollout).toBeNull();
    expect((await server.call("POST", "/v1/prompt-2025/query/production-version", { promptId })).id).toBe(candidate);

    const history = await server.trpc().environments.history.query({ promptId, environment: "production" });
    expect(history.map((h) => h.action)).toEqual(["rollout-promote", "rollout-start", "set"]);
    expect(history[0]).toMatchObject({ versionId: candidate, previousVersionId: stable, rolloutId: after!["id"], candidateVersionId: candidate, actor: "bootstrap" });
    expect(history[1]).toMatchObject({ versionId: stable, previousVersionId: stable, weight: 50, rolloutId: after!["id"] });
    // Revisions strictly increase.
    expect(history.map((h) => h.revision)).toEqual([3, 2, 1]);

    // Promote again: nothing active any more.
    const again = await server.rest("POST", "/v1/prompt-2025/rollout/promote", { promptId, environment: "production" });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/no active rollout.*ended promoted/);
  });

  it("abort sends every call back to stable; tRPC answers the same rollout", async () => {
    const { promptId, stable, candidate } = await promptWithCandidate();
    const trpc = server.trpc();
    await trpc.rollouts.start.mutate({ promptId, environment: "production", versionId: candidate, weight: 100 });
    expect((await callAs(promptId, "x")).versionId).toBe(candidate);
    expect((await callAs(promptId, undefined)).versionId).toBe(candidate); // no subject: a random draw, 100 % candidate
    await trpc.rollouts.abort.mutate({ promptId, environment: "production" });
    const got = await trpc.rollouts.get.query({ promptId, environment: "production" });
    expect(got).toMatchObject({ promptId, environment: "production", status: "aborted", reason: "aborted", stableVersionId: stable, candidateVersionId: candidate, endedBy: null, startedByKeyId: null });
    for (const s of ["x", "y", "z"]) {
      const answer = await callAs(promptId, s);
      expect(answer.versionId).toBe(stable);
      expect(answer.rollout).toBeNull();
    }
    const history = await trpc.environments.history.query({ promptId, environment: "production" });
    expect(history[0]).toMatchObject({ action: "rollout-abort", versionId: stable, reason: "aborted" });
    expect(await trpc.rollouts.get.query({ promptId, environment: "staging" })).toBeNull();
  });

  it("a move of the environment during a rollout ends it aborted, in the same entry", async () => {
    const { promptId, stable, candidate } = await promptWithCandidate();
    const third: string = (await server.call("POST", "/v1/prompt-2025/update", { promptId, promptVersionId: stable, promptBody: template("Hey.") })).id;
    await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 50 });
    // A "move" to where it points already changes nothing.
    await server.call("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: stable, environment: "production" });
    const running = await queryRollout(promptId);
    expect(running).toMatchObject({ status: "active" });
    expect(await indexed(running!["id"])).toBe(true);
    await server.call("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: third, environment: "production" });
    expect(await queryRollout(promptId)).toMatchObject({ status: "aborted", reason: `environment production moved to prompt version ${third}` });
    expect(await indexed(running!["id"])).toBe(false);
    const [last] = await server.trpc().environments.history.query({ promptId, environment: "production", limit: 1 });
    expect(last).toMatchObject({ action: "set", versionId: third, previousVersionId: stable, reason: `environment production moved to prompt version ${third}` });
    expect((await callAs(promptId, "u")).versionId).toBe(third);
  });

  it("the deployment stream pushes every rollout change with its facts", async () => {
    const { promptId, candidate } = await promptWithCandidate();
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const events = () =>
      text
        .split("\n\n")
        .filter((block) => block.includes("event: deployment"))
        .map((block) => JSON.parse(block.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as Record<string, unknown>)
        .filter((e) => e["promptId"] === promptId);
    const readUntil = async (count: number) => {
      const deadline = Date.now() + 15_000;
      while (events().length < count && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    };
    try {
      await readUntil(0); // the ready event
      await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 5 });
      await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 25 });
      await server.call("POST", "/v1/prompt-2025/rollout/abort", { promptId, environment: "production" });
      await readUntil(3);
      const seen = events();
      expect(seen.map((e) => e["action"])).toEqual(["rollout-start", "rollout-weight", "rollout-abort"]);
      expect(seen[1]).toMatchObject({ weight: 25, candidateVersionId: candidate, actor: "bootstrap", environment: "production" });
      expect(seen[2]).toMatchObject({ reason: "aborted", rolloutId: seen[0]!["rolloutId"] });
    } finally {
      controller.abort();
    }
  });
});

describe("other environments", () => {
  it("a rollout behind staging splits staging's calls only; removing staging ends it", async () => {
    const { promptId, stable, candidate } = await promptWithCandidate();
    await server.call("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: stable, environment: "staging" });
    await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "staging", promptVersionId: candidate, weight: 100 });
    const call = async (environment?: string) => {
      const body = { prompt_id: promptId, inputs, ...(environment && { environment }) };
      const { response } = await client.chat.completions.create(body as never, { headers: { "x-prompt-subject": "s" } }).withResponse();
      return [response.headers.get("x-prompt-version-id"), response.headers.get("x-prompt-rollout") !== null];
    };
    expect(await call("staging")).toEqual([candidate, true]);
    expect(await call()).toEqual([stable, false]);
    expect(await queryRollout(promptId)).toBeNull();
    await server.call("POST", "/v1/prompt-2025/remove/environment", { promptId, promptVersionId: stable, environment: "staging" });
    expect(await queryRollout(promptId, "staging")).toMatchObject({ status: "aborted", reason: "environment staging was removed" });
  });
});

describe("browsers", () => {
  it("may send x-prompt-subject and read x-prompt-rollout (CORS)", async () => {
    const origin = "https://app.example.com";
    const browserServer = await startTestServerWithFakeLlm({ PROMPTREG_CORS_ORIGINS: origin, MONGODB_DB: server.dbName });
    try {
      const preflight = await fetch(`${browserServer.url}/v1/chat/completions`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, x-prompt-subject" },
      });
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-prompt-subject");
      const { promptId, candidate } = await promptWithCandidate();
      await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 50 });
      const call = await fetch(`${browserServer.url}/v1/chat/completions`, {
        method: "POST",
        headers: { origin, authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "x-prompt-subject": "browser-user" },
        body: JSON.stringify({ prompt_id: promptId, inputs }),
      });
      await call.text();
      expect(call.headers.get("x-prompt-rollout")).toMatch(/;arm=(stable|candidate)$/);
      expect(call.headers.get("access-control-expose-headers")).toContain("x-prompt-rollout");
    } finally {
      await browserServer.stop();
    }
  });
});

describe("the split", () => {
  it("10,000 subjects through the resolution function: within 1.5 points of the weight, sticky and monotone", async () => {
    const { promptId, stable, candidate } = await promptWithCandidate();
    const scope = { orgId: (await server.services.auth.authenticate(`Bearer ${ADMIN_KEY}`)).orgId };
    const subjects = Array.from({ length: 10_000 }, (_, i) => `subject-${i}-${i * 7919}`);
    const arms = async () => {
      const out: string[] = [];
      for (const s of subjects) out.push((await server.services.resolution.resolveCall(scope, { promptId }, s)).resolved.versionId);
      return out;
    };
    let previous: string[] | undefined;
    for (const weight of [5, 20, 50, 90]) {
      await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight });
      const now = await arms();
      const share = now.filter((v) => v === candidate).length / subjects.length;
      expect(Math.abs(share - weight / 100)).toBeLessThan(0.015);
      // Sticky: asked again, every subject gets the same arm.
      expect(await arms()).toEqual(now);
      // Monotone: nobody who had the candidate goes back to stable as the weight rises.
      if (previous) previous.forEach((v, i) => v === candidate && expect(now[i]).toBe(candidate));
      previous = now;
      expect(now.every((v) => v === candidate || v === stable)).toBe(true);
    }
    const id = (await queryRollout(promptId))!["id"] as string;
    // The same answer as the contracts' hash, which the typed client applies.
    subjects.slice(0, 500).forEach((s, i) => expect(previous![i] === candidate).toBe(rolloutBucket(id, s) < 9000));
  });
});

describe("refusals", () => {
  it("answers clear 4xx for bad input, and 404 for another organization's prompt", async () => {
    const { promptId, stable, candidate } = await promptWithCandidate();
    const other = await promptWithCandidate();
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ promptId, environment: "production", promptVersionId: stable, weight: 10 }, 409, /stable/],
      [{ promptId, environment: "production", promptVersionId: other.candidate, weight: 10 }, 400, /another prompt/],
      [{ promptId, environment: "production", promptVersionId: "0123456789abcdef01234567", weight: 10 }, 404, /not found|no prompt version|does not exist/i],
      [{ promptId, environment: "production", promptVersionId: candidate, weight: 101 }, 400, /weight/],
      [{ promptId, environment: "production", promptVersionId: candidate, weight: -1 }, 400, /weight/],
      [{ promptId, environment: "production", promptVersionId: candidate, weight: "ten" }, 400, /weight/],
      [{ promptId, environment: "production", promptVersionId: "not an id!", weight: 10 }, 404, /not an id!/],
      [{ promptId, environment: "production", promptVersionId: "", weight: 10 }, 400, /promptVersionId/],
      [{ promptId: 42, environment: "production", promptVersionId: candidate, weight: 10 }, 400, /promptId/],
      [{ promptId, environment: "staging", promptVersionId: candidate, weight: 10 }, 404, /points at no version/],
      [{ promptId, environment: "production", promptVersionId: candidate, weight: 10, autoRollback: { maxErrorRate: 2, minRequests: 10 } }, 400, /maxErrorRate/],
      [{ promptId, environment: "production", promptVersionId: candidate, weight: 10, autoRollback: { maxErrorRate: 0.1, minRequests: 0 } }, 400, /minRequests/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await startRollout(body);
      expect({ body, status: answer.status }).toEqual({ body, status });
      expect(answer.body.error).toMatch(message);
    }
    expect(await queryRollout(promptId)).toBeNull();

    // A different candidate while one is active: abort or promote first.
    const third: string = (await server.call("POST", "/v1/prompt-2025/update", { promptId, promptVersionId: stable, promptBody: template("Yo.") })).id;
    await server.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 10 });
    const conflicting = await startRollout({ promptId, environment: "production", promptVersionId: third, weight: 10 });
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.error).toMatch(/promote or abort/);
    // The candidate of an active rollout cannot be deleted.
    const deleted = await server.rest("DELETE", `/v1/prompt-2025/${promptId}/${candidate}`);
    expect(deleted.status).toBe(409);
    expect(deleted.body.error).toMatch(/candidate of the active rollout of production/);

    // Another organization: its prompt does not exist for us.
    const stranger = await server.createOrg();
    for (const [path, body] of [
      ["/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 20 }],
      ["/v1/prompt-2025/query/rollout", { promptId, environment: "production" }],
      ["/v1/prompt-2025/rollout/promote", { promptId, environment: "production" }],
      ["/v1/prompt-2025/rollout/abort", { promptId, environment: "production" }],
    ] as const) {
      const answer = await server.rest("POST", path, body, { key: stranger.key });
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
    expect(await queryRollout(promptId)).toMatchObject({ status: "active", weight: 10 });
    // Abort and promote with nothing active: 409.
    await server.call("POST", "/v1/prompt-2025/rollout/abort", { promptId, environment: "production" });
    expect((await server.rest("POST", "/v1/prompt-2025/rollout/abort", { promptId, environment: "production" })).status).toBe(409);
    expect((await server.rest("POST", "/v1/prompt-2025/rollout/abort", { promptId, environment: "staging" })).status).toBe(409);
  });
});
