// Races on one environment's rollout (issue 14): promote, abort and a move of the same environment at
// once, on one replica and on two replicas sharing the database: exactly one of promote/abort wins (none
// when the move comes first), the move always lands, and the history holds one terminal entry per rollout
// with strictly increasing revisions. Also: two starts of different candidates, and a start racing the
// candidate's deletion.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing/index.js";

let a: TestServer;
let b: TestServer;

const template = (text: string) => ({ model: "gpt-4o-mini", messages: [{ role: "user", content: text }] });

beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ MONGODB_DB: a.dbName });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

async function prompt() {
  const created = await a.call("POST", "/v1/prompt-2025", { name: `race-${randomBytes(3).toString("hex")}`, promptBody: template("one") });
  const version = async (text: string) => (await a.call("POST", "/v1/prompt-2025/update", { promptId: created.id, promptVersionId: created.versionId, promptBody: template(text) })).id as string;
  return { promptId: created.id as string, stable: created.versionId as string, candidate: await version("two"), third: await version("three") };
}

const TERMINAL = new Set(["rollout-promote", "rollout-abort", "rollout-rollback"]);

async function race(servers: [TestServer, TestServer, TestServer], rounds: number) {
  const { promptId, stable, candidate, third } = await prompt();
  const outcomes: string[] = [];
  for (let round = 0; round < rounds; round++) {
    // Each round starts from stable with a fresh rollout.
    await a.call("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: stable, environment: "production" });
    await a.call("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 40 });
    const rollout = await a.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" });
    const ref = { promptId, environment: "production" };
    // The order they are sent in turns each round, so each gets to go first.
    const calls = [
      () => servers[0].rest("POST", "/v1/prompt-2025/rollout/promote", ref),
      () => servers[1].rest("POST", "/v1/prompt-2025/rollout/abort", ref),
      () => servers[2].rest("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: third, environment: "production" }),
    ];
    const order = [0, 1, 2].map((i) => (i + round) % 3);
    const answers: Array<Awaited<ReturnType<(typeof calls)[number]>>> = [];
    await Promise.all(order.map(async (i) => (answers[i] = await calls[i]!())));
    const [promote, abort, move] = answers as [(typeof answers)[number], (typeof answers)[number], (typeof answers)[number]];
    expect(move.status).toBe(200);
    expect([200, 409]).toContain(promote.status);
    expect([200, 409]).toContain(abort.status);
    const winners = [promote.status === 200 && "promote", abort.status === 200 && "abort"].filter(Boolean);
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const loser of [promote, abort].filter((r) => r.status === 409)) expect(loser.body.error).toMatch(/no active rollout/);

    const ended = await a.call("POST", "/v1/prompt-2025/query/rollout", ref);
    expect(ended.id).toBe(rollout.id);
    if (winners[0] === "promote") expect(ended.status).toBe("promoted");
    else if (winners[0] === "abort") expect(ended).toMatchObject({ status: "aborted", reason: "aborted" });
    else expect(ended).toMatchObject({ status: "aborted", reason: `environment production moved to prompt version ${third}` });
    outcomes.push((winners[0] as string | undefined) ?? "move");

    // The history of this rollout: one start, one end.
    const history = await a.trpc().environments.history.query({ promptId, environment: "production", limit: 500 });
    const mine = history.filter((h) => h.rolloutId === rollout.id);
    expect(mine.filter((h) => h.action === "rollout-start")).toHaveLength(1);
    const ends = mine.filter((h) => TERMINAL.has(h.action) || h.action === "set");
    expect(ends).toHaveLength(1);
    // The environment ends on the move's version whoever won (a move after the end lands on top of it).
    expect(history[0]!.versionId).toBe(third);
    expect((await a.call("POST", "/v1/prompt-2025/query/production-version", { promptId })).id).toBe(third);
    const revisions = history.map((h) => h.revision);
    revisions.forEach((r, i) => i > 0 && expect(r).toBe(revisions[i - 1]! - 1));
  }
  return outcomes;
}

describe("promote vs abort vs move", () => {
  it("on one replica: exactly one wins each round, the history is consistent", async () => {
    const outcomes = await race([a, a, a], 8);
    console.log(`one replica, winners per round: ${outcomes.join(", ")}`);
  }, 120_000);

  it("on two replicas sharing the database: the same", async () => {
    const outcomes = await race([a, b, b], 8);
    console.log(`two replicas, winners per round: ${outcomes.join(", ")}`);
    const more = await race([b, a, a], 4);
    console.log(`two replicas (swapped), winners per round: ${more.join(", ")}`);
  }, 120_000);
});

describe("other races", () => {
  it("two starts of different candidates at once: one starts, the other is told to promote or abort first", async () => {
    const { promptId, candidate, third } = await prompt();
    const [one, two] = await Promise.all([
      a.rest("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 10 }),
      b.rest("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: third, weight: 10 }),
    ]);
    expect([one.status, two.status].sort()).toEqual([200, 409]);
    const loser = one.status === 409 ? one : two;
    expect(loser.body.error).toMatch(/promote or abort/);
    const rollout = await a.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" });
    expect(rollout.candidate_version_id).toBe(one.status === 200 ? candidate : third);
    const history = await a.trpc().environments.history.query({ promptId, environment: "production" });
    expect(history.filter((h) => h.action === "rollout-start")).toHaveLength(1);
  });

  it("a start racing the candidate's deletion: never a rollout of a deleted version", async () => {
    for (let round = 0; round < 6; round++) {
      const { promptId, candidate } = await prompt();
      const [start, remove] = await Promise.all([
        (round % 2 ? a : b).rest("POST", "/v1/prompt-2025/update/rollout", { promptId, environment: "production", promptVersionId: candidate, weight: 50 }),
        (round % 2 ? b : a).rest("DELETE", `/v1/prompt-2025/${promptId}/${candidate}`),
      ]);
      const rollout = await a.call("POST", "/v1/prompt-2025/query/rollout", { promptId, environment: "production" });
      const deleted = remove.status === 200;
      expect(start.status === 200 && deleted).toBe(false);
      if (deleted) {
        expect([404, 409]).toContain(start.status);
        if (rollout) expect(rollout.status).not.toBe("active");
      } else if (start.status === 200) {
        expect(remove.status).toBe(409);
        expect(rollout.status).toBe("active");
      } else {
        // Both wrote, then each saw the other and backed off (as a move racing a delete may): no rollout
        // of it is active, and the version is still there.
        expect([start.status, remove.status]).toEqual([409, 409]);
        expect(rollout.status).toBe("aborted");
        expect(rollout.reason).toBe(`candidate prompt version ${candidate} was deleted`);
        expect((await a.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: candidate })).status).toBe(200);
      }
    }
  }, 60_000);
});
