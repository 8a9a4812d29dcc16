// Numbering under concurrency: the unique index + retry must give distinct, gap-free numbers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
let secondReplica: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await secondReplica?.stop();
  await server.stop();
});

const minorsOf = async (s: TestServer, promptId: string, major: number) =>
  ((await s.rest("POST", "/v1/prompt-2025/query/versions", { promptId, majorVersion: major })).body.data as Array<{ minor_version: number }>)
    .map((v) => v.minor_version)
    .sort((a, b) => a - b);

describe("concurrent version creation", () => {
  it("100 concurrent minor bumps on one prompt give 100 distinct, gap-free minors", async () => {
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "hot", promptBody: sampleBody() })).body.data;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        server.rest("POST", "/v1/prompt-2025/update", {
          promptId: id,
          promptVersionId: versionId,
          newMajorVersion: false,
          commitMessage: `c${i}`,
          promptBody: sampleBody({ temperature: (i % 20) / 10 }),
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(201));
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(100);
    expect(await minorsOf(server, id, 1)).toEqual(Array.from({ length: 101 }, (_, i) => i));
  });

  it("200 concurrent creations across 10 prompts: every number unique and gap-free per prompt", { timeout: 60_000 }, async () => {
    const prompts = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => (await server.rest("POST", "/v1/prompt-2025", { name: `spread-${i}`, promptBody: sampleBody() })).body.data as { id: string; versionId: string }),
    );
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const p = prompts[i % 10]!;
        return server.rest("POST", "/v1/prompt-2025/update", { promptId: p.id, promptVersionId: p.versionId, promptBody: sampleBody() });
      }),
    );
    expect(results.filter((r) => r.status !== 201).map((r) => r.text)).toEqual([]);
    for (const p of prompts) expect(await minorsOf(server, p.id, 1)).toEqual(Array.from({ length: 21 }, (_, i) => i));
  });

  it("two server replicas racing on one prompt still never share a number or leave a gap", async () => {
    // A second app on the same database: its in-process lock knows nothing of the first one's, so only
    // the unique index keeps them apart.
    secondReplica = await startTestServer({ MONGODB_DB: server.dbName });
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "raced", promptBody: sampleBody() })).body.data;
    const create = (s: TestServer, major: boolean) =>
      s.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, newMajorVersion: major, promptBody: sampleBody() });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => create(i % 2 ? server : secondReplica, i % 10 === 0)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(201));
    const all = (await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id })).body.data as Array<{ major_version: number; minor_version: number }>;
    expect(all).toHaveLength(41);
    const numbers = all.map((v) => `${v.major_version}.${v.minor_version}`);
    expect(new Set(numbers).size).toBe(41);
    // Majors 1..5 exist (4 major bumps), and within major 1 the minors are gap-free.
    expect([...new Set(all.map((v) => v.major_version))].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await minorsOf(server, id, 1)).toEqual(Array.from({ length: 37 }, (_, i) => i));
  });
});

describe("numbering from a replica that is behind", () => {
  it("a replica that never saw the latest versions still gives the next number, minor and major", async () => {
    const first = await startTestServer({ MONGODB_DB: server.dbName });
    const second = await startTestServer({ MONGODB_DB: server.dbName });
    try {
      const { id, versionId } = (await first.rest("POST", "/v1/prompt-2025", { name: "behind", promptBody: sampleBody() })).body.data;
      const bump = async (s: TestServer, base: string, major = false) => {
        const res = await s.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: base, newMajorVersion: major, promptBody: sampleBody() });
        expect(res.status, res.text).toBe(201);
        const v = (await s.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: res.body.data.id })).body.data;
        return `${v.major_version}.${v.minor_version}`;
      };
      for (let i = 1; i <= 10; i++) expect(await bump(first, versionId)).toBe(`1.${i}`);
      // The second replica starts from 1.1: three duplicates, then it asks for the highest minor once.
      expect(await bump(second, versionId)).toBe("1.11");
      // The first one is now behind by one: a single duplicate.
      expect(await bump(first, versionId)).toBe("1.12");
      expect(await bump(second, versionId, true)).toBe("2.0");
      expect(await bump(first, versionId, true)).toBe("3.0");
      // A minor bump of an older major continues that major, whoever is behind.
      expect(await bump(second, versionId)).toBe("1.13");
      expect(await minorsOf(server, id, 1)).toEqual(Array.from({ length: 14 }, (_, i) => i));
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

describe("concurrent environment moves", () => {
  it("100 concurrent moves: the final pointer is the last acknowledged move and the history records every move in order", { timeout: 60_000 }, async () => {
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "moves", promptBody: sampleBody() })).body.data;
    const versions = [versionId];
    for (let i = 0; i < 4; i++) {
      versions.push((await server.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, promptBody: sampleBody() })).body.data.id);
    }
    const moves = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: versions[i % 5], environment: "staging" }),
      ),
    );
    expect(moves.every((m) => m.status === 200)).toBe(true);
    const history = await server.trpc().environments.history.query({ promptId: id, environment: "staging", limit: 500 });
    expect(history).toHaveLength(100);
    expect(history.map((h) => h.revision)).toEqual(Array.from({ length: 100 }, (_, i) => 100 - i));
    // Each entry's previous version is the next-older entry's version: the history is one unbroken chain.
    for (let i = 0; i < history.length - 1; i++) expect(history[i]!.previousVersionId).toBe(history[i + 1]!.versionId);
    const current = await server.rest("POST", "/v1/prompt-2025/query/environment-version", { promptId: id, environment: "staging" });
    expect(current.body.data.id).toBe(history[0]!.versionId);
  });
});

describe("moving an environment onto a version while it is deleted", () => {
  it.each(["production", "race"])("never leaves %s pointing at a deleted version; at most one side succeeds", { timeout: 60_000 }, async (environment) => {
    const { id, versionId: base } = (await server.rest("POST", "/v1/prompt-2025", { name: `race-${environment}`, promptBody: sampleBody() })).body.data;
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 15; i++) {
      const version = (await server.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: base, newMajorVersion: false, commitMessage: `r${i}`, promptBody: sampleBody() })).body.data.id as string;
      const [moved, deleted] = await Promise.all([
        server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: version, environment }),
        server.rest("DELETE", `/v1/prompt-2025/${id}/${version}`),
      ]);
      const key = `${moved.status}/${deleted.status}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      // The move finds the version already deleted (404), loses to the delete (409) or wins (200).
      expect([200, 404, 409], key).toContain(moved.status);
      expect([200, 409], key).toContain(deleted.status);
      expect(key, "both the move and the delete succeeded").not.toBe("200/200");

      // Whatever won, the environment resolves (read past every cache) to a version that is visible.
      const now = await server.rest("POST", "/v1/prompt-2025/query/environment-version", { promptId: id, environment }, { headers: { "cache-control": "no-cache" } });
      if (moved.status === 200) {
        expect(now.status, key).toBe(200);
        expect(now.body.data.id).toBe(version);
      }
      if (now.status === 200) {
        const pointed = await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: now.body.data.id });
        expect(pointed.status, `${key}: ${environment} points at a deleted version`).toBe(200);
      } else {
        expect(environment).not.toBe("production");
        expect(now.status).toBe(404);
      }
      // Put production back on the base for the next round (the delete of a deployed version is refused).
      if (environment === "production") await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: base, environment });
    }
  });
});

describe("concurrent updates of one prompt lose none of each other", () => {
  it("30 concurrent version deletes, with renames, tag changes and creations in between: every acknowledged delete stays", { timeout: 60_000 }, async () => {
    const { id, versionId: base } = (await server.rest("POST", "/v1/prompt-2025", { name: "many-deletes", promptBody: sampleBody() })).body.data;
    const create = (i: number) =>
      server.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: base, newMajorVersion: false, commitMessage: `v${i}`, promptBody: sampleBody() });
    const doomed: string[] = [];
    for (let i = 0; i < 30; i++) doomed.push((await create(i)).body.data.id);

    // Two replicas: the lock that orders the updates must hold across processes, not only within one.
    const replica = await startTestServer({ MONGODB_DB: server.dbName });
    const results = await Promise.all([
      ...doomed.map((v, i) => (i % 2 === 0 ? server : replica).rest("DELETE", `/v1/prompt-2025/${id}/${v}`)),
      ...Array.from({ length: 5 }, (_, i) => server.rest("POST", `/v1/prompt-2025/id/${id}/rename`, { name: `renamed-${i}` })),
      ...Array.from({ length: 5 }, (_, i) => server.rest("PATCH", `/v1/prompt-2025/id/${id}/tags`, { tags: [`t${i}`] })),
      ...Array.from({ length: 5 }, (_, i) => create(100 + i)),
    ]);
    expect(results.slice(0, 30).map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(results.slice(30).every((r) => r.status < 300)).toBe(true);
    await replica.stop();

    // Before, FerretDB's read-modify-write updates lost about a third of the deletes: those versions came back.
    const listed = (await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id })).body.data as Array<{ id: string }>;
    expect(listed.map((v) => v.id).filter((v) => doomed.includes(v))).toEqual([]);
    expect(listed).toHaveLength(1 + 5);
    for (const v of doomed.slice(0, 5)) expect((await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: v })).status).toBe(404);
  });

  it("a lock left behind by a holder that died is taken over once its lease ran out", async () => {
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "orphaned-lock", promptBody: sampleBody() })).body.data;
    const db = await server.rawDb();
    await db.collection<{ _id: string; token: string; expiresAt: Date }>("document_locks").insertOne({ _id: `prompts:${id}`, token: "dead-holder", expiresAt: new Date(Date.now() - 1000) });
    expect((await server.rest("POST", `/v1/prompt-2025/id/${id}/rename`, { name: "after takeover" })).status).toBe(200);
    expect((await server.rest("GET", `/v1/prompt-2025/id/${id}`)).body.data.name).toBe("after takeover");
    // The lock is released just after the answer (the answer does not wait for that round trip): poll.
    await expect.poll(() => db.collection<{ _id: string }>("document_locks").countDocuments({ _id: `prompts:${id}` }), { timeout: 10_000 }).toBe(0);
  });

  it("a prompt deleted while versions are created and it is renamed stays deleted", { timeout: 60_000 }, async () => {
    for (let round = 0; round < 5; round++) {
      const { id, versionId: base } = (await server.rest("POST", "/v1/prompt-2025", { name: `doomed-${round}`, promptBody: sampleBody() })).body.data;
      const [deleted] = await Promise.all([
        server.rest("DELETE", `/v1/prompt-2025/${id}`),
        ...Array.from({ length: 6 }, (_, i) =>
          server.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: base, newMajorVersion: false, commitMessage: `c${i}`, promptBody: sampleBody() }),
        ),
        server.rest("POST", `/v1/prompt-2025/id/${id}/rename`, { name: "still here?" }),
      ]);
      expect(deleted.status).toBe(200);
      expect((await server.rest("GET", `/v1/prompt-2025/id/${id}`)).status).toBe(404);
      const found = (await server.rest("POST", "/v1/prompt-2025/query", { search: `doomed-${round}` })).body.data as unknown[];
      expect(found).toEqual([]);
    }
  });
});
