// Listings that stay flat at any registry size on the embedded database: a prompt's versions (all, a page,
// one major), their count, and the prompt list (search, tags, pages), count and tags read only documents
// by `_id` (the only filter FerretDB serves from an index; anything else read the whole collection: a 503
// past ~100k versions). Also what the indexes must survive: writers that die half-way, and databases
// written before the indexes existed.
import type { CommandStartedEvent, Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

/** Raw documents with string ids, for writing what a dead writer or an older release left behind. */
interface Document {
  _id?: string;
  [field: string]: any;
}
const raw = (db: Db, name: string) => db.collection<Document>(name);

const LISTING_COLLECTIONS = new Set(["versions", "prompts", "version_index", "version_index_chunks", "prompt_index", "prompt_index_chunks", "environments"]);

/** The reads `run` sends to the listing collections (the deployment feed's background polls go elsewhere). */
async function readsOf(run: () => Promise<unknown>): Promise<Array<{ command: string; collection: string; filter: Document | undefined }>> {
  const reads: Array<{ command: string; collection: string; filter: Document | undefined }> = [];
  const listener = (e: CommandStartedEvent) => {
    if (!["find", "count", "aggregate", "distinct"].includes(e.commandName)) return;
    const collection = e.command[e.commandName] as string;
    if (!LISTING_COLLECTIONS.has(collection)) return;
    reads.push({ command: e.commandName, collection, filter: (e.command["filter"] ?? e.command["query"]) as Document | undefined });
  };
  server.database.client.on("commandStarted", listener);
  try {
    await run();
  } finally {
    server.database.client.off("commandStarted", listener);
  }
  return reads;
}

const byIdOnly = (r: { command: string; filter: Document | undefined }) =>
  r.command === "find" && r.filter !== undefined && Object.keys(r.filter).length === 1 && typeof r.filter["_id"] === "string";

const ok = <T = any>(res: { status: number; text: string; body: any }, status = 200): T => {
  expect(res.status, res.text).toBe(status);
  return res.body.data as T;
};

async function createPrompt(key: string, name: string, tags: string[] = []) {
  return ok<{ id: string; versionId: string }>(await server.rest("POST", "/v1/prompt-2025", { name, tags, promptBody: sampleBody() }, { key }), 201);
}

async function newVersion(key: string, promptId: string, base: string, major = false) {
  const body = { promptId, promptVersionId: base, newMajorVersion: major, commitMessage: "c", promptBody: sampleBody() };
  return ok<{ id: string }>(await server.rest("POST", "/v1/prompt-2025/update", body, { key }), 201).id;
}

const versionIds = async (key: string, body: Record<string, unknown>) =>
  ok<Array<{ id: string }>>(await server.rest("POST", "/v1/prompt-2025/query/versions", body, { key })).map((v) => v.id);

describe("listings read by _id only", () => {
  it("versions (all, a page, one major), totals, the prompt list (search, tags, pages), count and tags", async () => {
    const { key } = await server.createOrg("by-id");
    const { id, versionId } = await createPrompt(key, "support-agent", ["support"]);
    await createPrompt(key, "sales-agent", ["sales"]);
    const v11 = await newVersion(key, id, versionId);
    const v20 = await newVersion(key, id, v11, true);
    await newVersion(key, id, v20);
    expect((await server.rest("DELETE", `/v1/prompt-2025/${id}/${v11}`, undefined, { key })).status).toBe(200);

    const trpc = server.trpc(key);
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["query/versions", () => server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id }, { key })],
      ["query/versions page", () => server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id, page: 0, pageSize: 50 }, { key })],
      ["query/versions major", () => server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id, majorVersion: 2 }, { key })],
      ["query/total-versions", () => server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: id }, { key })],
      ["query", () => server.rest("POST", "/v1/prompt-2025/query", { search: "agent", tagsFilter: ["support"], page: 0, pageSize: 10 }, { key })],
      ["count", () => server.rest("GET", "/v1/prompt-2025/count", undefined, { key })],
      ["tags", () => server.rest("GET", "/v1/prompt-2025/tags", undefined, { key })],
      ["tRPC versions.list", () => trpc.versions.list.query({ promptId: id, page: 0, pageSize: 50 })],
      ["tRPC versions.totals", () => trpc.versions.totals.query({ promptId: id })],
      ["tRPC prompts.list", () => trpc.prompts.list.query({ search: "sales", page: 0, pageSize: 10 })],
    ];
    for (const [name, call] of calls) {
      const reads = await readsOf(call);
      expect(reads.length, name).toBeGreaterThan(0);
      expect(reads.filter((r) => !byIdOnly(r)), name).toEqual([]);
    }

    // And they answer what they should.
    expect(ok(await server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: id }, { key }))).toEqual({ totalVersions: 3, majorVersions: 2 });
    const listed = ok<Array<{ name: string }>>(await server.rest("POST", "/v1/prompt-2025/query", { search: "AGENT", tagsFilter: ["support"] }, { key }));
    expect(listed.map((p) => p.name)).toEqual(["support-agent"]);
    expect(ok(await server.rest("GET", "/v1/prompt-2025/count", undefined, { key }))).toBe(2);
    expect(ok(await server.rest("GET", "/v1/prompt-2025/tags", undefined, { key }))).toEqual(["sales", "support"]);
  });
});

describe("the version index", () => {
  it("pages, majors and hidden versions across chunks come out in the order of creation", { timeout: 300_000 }, async () => {
    const { key } = await server.createOrg("chunks");
    const { id, versionId } = await createPrompt(key, "long-history");
    // 120 versions (chunks of 50 by creation counter): a major bump every 25th, the rest minor bumps of 1.0.
    const created: Array<{ id: string; major: number }> = [{ id: versionId, major: 1 }];
    let highest = 1;
    for (let i = 1; i < 120; i++) {
      if (i % 25 === 0) {
        created.push({ id: await newVersion(key, id, versionId, true), major: ++highest });
      } else created.push({ id: await newVersion(key, id, versionId), major: 1 });
    }
    // Hide some, across chunks (not 1.0: production points at it), the newest major's only version included.
    const hidden = new Set([created[3]!.id, created[49]!.id, created[50]!.id, created[77]!.id, created[100]!.id, created[119]!.id]);
    for (const v of hidden) expect((await server.rest("DELETE", `/v1/prompt-2025/${id}/${v}`, undefined, { key })).status).toBe(200);
    const expected = created.filter((v) => !hidden.has(v.id)).reverse();

    expect(await versionIds(key, { promptId: id })).toEqual(expected.map((v) => v.id));
    const pages: string[] = [];
    for (let page = 0; page * 7 < expected.length + 7; page++) pages.push(...(await versionIds(key, { promptId: id, page, pageSize: 7 })));
    expect(pages).toEqual(expected.map((v) => v.id));
    expect(await versionIds(key, { promptId: id, majorVersion: 1, page: 1, pageSize: 30 })).toEqual(
      expected.filter((v) => v.major === 1).slice(30, 60).map((v) => v.id),
    );
    expect(await versionIds(key, { promptId: id, majorVersion: 3 })).toEqual(expected.filter((v) => v.major === 3).map((v) => v.id));
    // 5.0 (created[100]) is hidden and 4.0 is the highest major left.
    expect(ok(await server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: id }, { key }))).toEqual({
      totalVersions: expected.length,
      majorVersions: 4,
    });
    const viaTrpc = await server.trpc(key).versions.list.query({ promptId: id, page: 2, pageSize: 20 });
    expect(viaTrpc.map((v) => v.id)).toEqual(expected.slice(40, 60).map((v) => v.id));
  });

  it("a version whose creator died after storing it is listed and counted at once, and indexed later", async () => {
    const { key, orgId } = await server.createOrg("died-creating");
    const { id, versionId } = await createPrompt(key, "crashed");
    const db = await server.rawDb();
    const prompts = raw(db, "prompts");
    const versions = raw(db, "versions");
    // What a creator that died between storing the version and indexing it leaves behind: the version, and
    // its id pending on the prompt (recorded with its creation counter). Another never got stored.
    const model = (await versions.findOne({ _id: versionId }))!;
    const orphan = { ...model, _id: "orphan-version-0000000000000000000000", minor: 7, seq: 2, createdAt: new Date() };
    await versions.insertOne(orphan);
    const old = new Date(Date.now() - 5 * 60_000);
    await prompts.updateOne({ _id: id }, {
      $inc: { versionSeq: 2 },
      $push: { pendingVersions: { $each: [{ id: orphan._id, at: old }, { id: "never-stored-00000000000000000000000", at: old }] } } as never,
    });

    expect(await versionIds(key, { promptId: id })).toEqual([orphan._id, versionId]);
    expect(ok(await server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: id }, { key }))).toEqual({ totalVersions: 2, majorVersions: 1 });
    // Readers index it (in the background): then nothing is pending, and the index alone lists it.
    const deadline = Date.now() + 30_000;
    while (((await prompts.findOne({ _id: id }))!["pendingVersions"] as unknown[]).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await prompts.findOne({ _id: id }))!["pendingVersions"]).toEqual([]);
    const chunk = await raw(db, "version_index_chunks").findOne({ orgId, promptId: id, chunk: 0 });
    expect(Object.keys(chunk!["entries"]).sort()).toEqual([`v${orphan._id}`, `v${versionId}`].sort());
    expect(await versionIds(key, { promptId: id })).toEqual([orphan._id, versionId]);
    // A version created next numbers on from the orphan's creation counter.
    const next = await newVersion(key, id, versionId);
    expect((await versionIds(key, { promptId: id }))[0]).toBe(next);
  });

  it("a database written before the indexes: the first listing builds them, versions created meanwhile included", async () => {
    const { key, orgId } = await server.createOrg("legacy");
    const a = await createPrompt(key, "legacy-a", ["old"]);
    const b = await createPrompt(key, "legacy-b");
    const a11 = await newVersion(key, a.id, a.versionId);
    const a12 = await newVersion(key, a.id, a.versionId);
    expect((await server.rest("DELETE", `/v1/prompt-2025/${a.id}/${a11}`, undefined, { key })).status).toBe(200);
    const db = await server.rawDb();
    // Forget every index of this organization, as in a database written by the previous release.
    for (const name of ["version_index", "version_index_chunks", "prompt_index", "prompt_index_chunks"]) await raw(db, name).deleteMany({ orgId });
    await raw(db, "prompts").updateMany({ orgId }, { $unset: { pendingVersions: "" } });
    // The new release starts (a replica that has not seen these prompts), and a version is created before
    // anyone lists: no index to go into yet, it waits as pending.
    const upgraded = await startTestServer({ MONGODB_DB: server.dbName });
    const previous = server;
    server = upgraded;
    try {
    const a13 = await newVersion(key, a.id, a.versionId);
    expect(await raw(db, "version_index").countDocuments({ orgId })).toBe(0);
    // So is a prompt: its writer marks it dirty in an index head not built yet, and is done.
    const c = await createPrompt(key, "legacy-c");

    expect(await versionIds(key, { promptId: a.id })).toEqual([a13, a12, a.versionId]);
    expect(ok(await server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: a.id }, { key }))).toEqual({ totalVersions: 3, majorVersions: 1 });
    const listed = ok<Array<{ id: string; tags: string[] }>>(await server.rest("POST", "/v1/prompt-2025/query", {}, { key }));
    expect(listed.map((p) => p.id)).toEqual([c.id, b.id, a.id]);
    expect(listed[2]!.tags).toEqual(["old"]);
    expect(ok(await server.rest("GET", "/v1/prompt-2025/count", undefined, { key }))).toBe(3);
    // The build read the prompt its finished writer marked, so it dropped the mark: readers do not re-read
    // marked prompts (a 50-call batch of listings did, past the request deadline).
    expect((await raw(db, "prompt_index").findOne({ _id: orgId }))!["dirty"]).toEqual([]);
    expect((await raw(db, "prompts").findOne({ _id: a.id }))!["pendingVersions"]).toEqual([]);

    // Built: from now on, by _id only.
    for (const call of [
      () => server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: a.id }, { key }),
      () => server.rest("POST", "/v1/prompt-2025/query", {}, { key }),
    ]) {
      expect((await readsOf(call)).filter((r) => !byIdOnly(r))).toEqual([]);
    }
    // And kept up to date.
    const a14 = await newVersion(key, a.id, a.versionId);
    expect((await versionIds(key, { promptId: a.id }))[0]).toBe(a14);
    } finally {
      server = previous;
      await upgraded.stop();
    }
  });
});

describe("the prompt index", () => {
  it("follows creates, renames, tag changes and deletions; a writer that died half-way shows nothing stale", async () => {
    const { key, orgId } = await server.createOrg("prompt-list");
    const a = await createPrompt(key, "alpha", ["x"]);
    const b = await createPrompt(key, "beta", ["y"]);
    const names = async (body: Record<string, unknown> = {}) =>
      ok<Array<{ name: string }>>(await server.rest("POST", "/v1/prompt-2025/query", body, { key })).map((p) => p.name);
    expect(await names()).toEqual(["beta", "alpha"]);
    expect((await server.rest("POST", `/v1/prompt-2025/id/${a.id}/rename`, { name: "alpha-2" }, { key })).status).toBe(200);
    expect((await server.rest("PATCH", `/v1/prompt-2025/id/${b.id}/tags`, { tags: ["z"] }, { key })).status).toBe(200);
    expect(await names({ tagsFilter: ["z"] })).toEqual(["beta"]);
    expect(await names({ search: "ALPHA-" })).toEqual(["alpha-2"]);
    expect((await server.rest("DELETE", `/v1/prompt-2025/${b.id}`, undefined, { key })).status).toBe(200);
    expect(await names()).toEqual(["alpha-2"]);
    expect(ok(await server.rest("GET", "/v1/prompt-2025/tags", undefined, { key }))).toEqual(["x"]);

    // A rename whose writer died after marking the prompt and storing the name, before writing its entry.
    const db = await server.rawDb();
    const mark = { id: a.id, at: new Date() };
    await raw(db, "prompt_index").updateOne({ _id: orgId }, { $push: { dirty: mark } as never });
    await raw(db, "prompts").updateOne({ _id: a.id }, { $set: { name: "alpha-3" } });
    expect(await names()).toEqual(["alpha-3"]);
    expect(await names({ search: "alpha-2" })).toEqual([]);
    // Once the mark is old enough that no writer can still hold it, a reader settles it into the index.
    await raw(db, "prompt_index").updateOne({ _id: orgId }, { $set: { "dirty.0.at": new Date(Date.now() - 5 * 60_000) } });
    expect(await names()).toEqual(["alpha-3"]);
    const deadline = Date.now() + 30_000;
    while (((await raw(db, "prompt_index").findOne({ _id: orgId }))!["dirty"] as unknown[]).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const head = (await raw(db, "prompt_index").findOne({ _id: orgId }))!;
    expect(head["dirty"]).toEqual([]);
    const chunk = await raw(db, "prompt_index_chunks").findOne({ _id: `${orgId}:${head["build"]}:0` });
    expect(JSON.parse((chunk!["entries"] as Record<string, string>)[`p${a.id}`]!)).toMatchObject({ name: "alpha-3" });
  });

  it("an organization past one chunk's worth of prompts splits its index and still lists every prompt", { timeout: 300_000 }, async () => {
    const { key, orgId } = await server.createOrg("many-prompts");
    const db = await server.rawDb();
    // 2,000 prompts written straight into the database and into the organization's one chunk, as if
    // created through the API (that takes minutes); the next one created pushes the chunk past its bound.
    const now = Date.now();
    const docs = Array.from({ length: 2000 }, (_, i) => ({
      _id: `bulk${String(i).padStart(5, "0")}`,
      orgId,
      name: `bulk-${i}`,
      tags: i % 2 === 0 ? ["even"] : ["odd"],
      createdAt: new Date(now - 10_000_000 + i),
      state: "active",
      deletedAt: null,
      versionSeq: 1,
      hiddenVersionIds: [],
    }));
    await raw(db, "prompts").insertMany(docs);
    const head = (await raw(db, "prompt_index").findOne({ _id: orgId }))!;
    expect(head["k"]).toBe(1);
    const entries = Object.fromEntries(docs.map((d) => [`p${d._id}`, JSON.stringify({ id: d._id, name: d.name, tags: d.tags, createdAt: d.createdAt })]));
    await raw(db, "prompt_index_chunks").updateOne({ _id: `${orgId}:${head["build"]}:0` }, { $set: { entries } });
    expect(ok(await server.rest("GET", "/v1/prompt-2025/count", undefined, { key }))).toBe(2000);

    await createPrompt(key, "newest");
    expect((await raw(db, "prompt_index").findOne({ _id: orgId }))!["k"]).toBeGreaterThan(1);
    expect(ok(await server.rest("GET", "/v1/prompt-2025/count", undefined, { key }))).toBe(2001);
    const oddPage = [...Array(10).keys()].map((i) => `bulk-${1999 - 2 * (20 + i)}`);
    const page = async () => ok<Array<{ name: string }>>(await server.rest("POST", "/v1/prompt-2025/query", { tagsFilter: ["odd"], page: 2, pageSize: 10 }, { key }));
    expect((await page()).map((p) => p.name)).toEqual(oddPage);

    // Built from scratch (a database from before the index), it gets several chunks at once.
    await raw(db, "prompt_index").deleteMany({ orgId });
    expect(ok(await server.rest("GET", "/v1/prompt-2025/count", undefined, { key }))).toBe(2001);
    expect((await raw(db, "prompt_index").findOne({ _id: orgId }))!["k"]).toBe(8);
    expect((await page()).map((p) => p.name)).toEqual(oddPage);
  });
});
