// The typed API over real HTTP with the real tRPC client: the same rules as REST, camelCase shapes.
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

describe("tRPC", () => {
  it("creates, versions, deploys and reads back a prompt", async () => {
    const api = server.trpc();
    const { prompt, version } = await api.prompts.create.mutate({ name: "typed", tags: ["a", "a", " b"], body: sampleBody() });
    expect(prompt).toMatchObject({ name: "typed", tags: ["a", "b"] });
    expect(version).toMatchObject({ majorVersion: 1, minorVersion: 0, environments: ["production"], commitMessage: "First version." });

    const v2 = await api.versions.create.mutate({ promptId: prompt.id, baseVersionId: version.id, bump: "major", commitMessage: "big", body: sampleBody({ temperature: 1 }), environment: "staging" });
    expect(v2).toMatchObject({ majorVersion: 2, minorVersion: 0, environments: ["staging"] });

    expect(await api.environments.version.query({ promptId: prompt.id, environment: "staging" })).toMatchObject({ id: v2.id });
    expect(await api.versions.body.query({ versionId: v2.id })).toEqual(sampleBody({ temperature: 1 }));
    expect((await api.versions.withBody.query({ versionId: v2.id })).body).toEqual(sampleBody({ temperature: 1 }));
    expect(await api.environments.versionWithBody.query({ promptId: prompt.id, environment: "staging" })).toEqual({
      ...v2,
      body: sampleBody({ temperature: 1 }),
    });
    await expect(api.environments.versionWithBody.query({ promptId: prompt.id, environment: "qa" })).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
    expect(await api.environments.ofPrompt.query({ promptId: prompt.id })).toEqual([
      { environment: "production", versionId: version.id, updatedAt: expect.any(String), revision: 1 },
      { environment: "staging", versionId: v2.id, updatedAt: expect.any(String), revision: 1 },
    ]);
    const list = await api.prompts.list.query({ search: "TYP" });
    expect(list).toMatchObject({ total: 1, page: 0, items: [{ id: prompt.id }] });
    expect(await api.versions.totals.query({ promptId: prompt.id })).toEqual({ totalVersions: 2, majorVersions: 2 });
  });

  it("records a deployment history with time and key", async () => {
    const api = server.trpc();
    // Moving production (protected by default) needs a deployer key since issue 14.
    const { secret, key } = await api.apiKeys.create.mutate({ name: "deployer", role: "deployer" });
    const { prompt, version } = await api.prompts.create.mutate({ name: "history", body: sampleBody() });
    const asDeployer = server.trpc(secret);
    const v11 = await asDeployer.versions.create.mutate({ promptId: prompt.id, baseVersionId: version.id, body: sampleBody() });
    await asDeployer.environments.set.mutate({ promptId: prompt.id, versionId: v11.id, environment: "production" });
    await asDeployer.environments.set.mutate({ promptId: prompt.id, versionId: v11.id, environment: "staging" });
    await asDeployer.environments.remove.mutate({ promptId: prompt.id, versionId: v11.id, environment: "staging" });

    const history = await api.environments.history.query({ promptId: prompt.id });
    expect(history.map((h) => [h.environment, h.action, h.versionId, h.previousVersionId, h.revision, h.keyId])).toEqual([
      ["staging", "remove", null, v11.id, 2, key.id],
      ["staging", "set", v11.id, null, 1, key.id],
      ["production", "set", v11.id, version.id, 2, key.id],
      ["production", "set", version.id, null, 1, null],
    ]);
    expect(history.every((h) => !Number.isNaN(Date.parse(h.at)))).toBe(true);
    expect(await api.environments.inUse.query()).toContain("production");
  });

  it("pages a long deployment history whole with cursors, in the same order as one read, none skipped or repeated", async () => {
    const api = server.trpc();
    const { prompt, version } = await api.prompts.create.mutate({ name: "long history", body: sampleBody() });
    const v11 = await api.versions.create.mutate({ promptId: prompt.id, baseVersionId: version.id, body: sampleBody({ temperature: 1 }) });
    // Three environments moved at once, again and again: entries share milliseconds and revisions.
    for (let round = 0; round < 12; round++) {
      const target = round % 2 === 0 ? v11.id : version.id;
      await Promise.all(["production", "staging", "qa"].map((environment) => api.environments.set.mutate({ promptId: prompt.id, versionId: target, environment })));
    }
    const whole = await api.environments.history.query({ promptId: prompt.id, limit: 500 });
    expect(whole).toHaveLength(37);

    const read = async (environment?: string) => {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await api.environments.historyPage.query({ promptId: prompt.id, limit: 5, ...(environment ? { environment } : {}), ...(cursor ? { cursor } : {}) });
        pages.push(page.items.map((entry) => entry.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return pages;
    };
    const pages = await read();
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 5, 5, 5, 2]);
    expect(pages.flat()).toEqual(whole.map((entry) => entry.id));
    const staging = await read("staging");
    expect(staging.flat()).toEqual(whole.filter((entry) => entry.environment === "staging").map((entry) => entry.id));
    expect(staging.flat()).toHaveLength(12);

    // `history` takes the cursor too, and answers the plain list its callers know.
    const after = await api.environments.history.query({ promptId: prompt.id, limit: 3, cursor: whole[9]!.id });
    expect(after.map((entry) => entry.id)).toEqual(whole.slice(10, 13).map((entry) => entry.id));
    // The last page says so.
    expect(await api.environments.historyPage.query({ promptId: prompt.id, limit: 37 })).toMatchObject({ nextCursor: null });

    // A cursor from another prompt's (or another environment's) history, or not an id at all, is refused.
    const other = await api.prompts.create.mutate({ name: "other history", body: sampleBody() });
    const [otherEntry] = await api.environments.history.query({ promptId: other.prompt.id });
    await expect(api.environments.historyPage.query({ promptId: prompt.id, cursor: otherEntry!.id })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
      message: expect.stringContaining("not an entry of this history"),
    });
    const productionEntry = whole.find((entry) => entry.environment === "production")!;
    await expect(api.environments.historyPage.query({ promptId: prompt.id, environment: "qa", cursor: productionEntry.id })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
    });
    // Entries alike in time and revision (different environments moved in the same millisecond) still
    // page in one total order.
    const db = await server.rawDb();
    const twin = await api.prompts.create.mutate({ name: "twins", body: sampleBody() });
    const [created] = await db.collection("deployments").find({ promptId: twin.prompt.id }).toArray();
    const at = new Date();
    await db.collection("deployments").insertMany(
      ["a", "b", "c", "d", "e"].map((environment) => ({ ...created!, _id: new ObjectId(), environment, revision: 7, at })),
    );
    const twinWhole = await api.environments.history.query({ promptId: twin.prompt.id, limit: 500 });
    const twinPages: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await api.environments.historyPage.query({ promptId: twin.prompt.id, limit: 2, ...(cursor ? { cursor } : {}) });
      twinPages.push(...page.items.map((entry) => entry.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(twinWhole).toHaveLength(6);
    expect(twinPages).toEqual(twinWhole.map((entry) => entry.id));

    await expect(api.environments.historyPage.query({ promptId: prompt.id, cursor: "zzz" })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST", zodError: { fieldErrors: { cursor: expect.any(Array) } } },
    });
  });

  it("lists prompts with their newest version, version count, environments and last change; sorts; finds an id", async () => {
    const { orgId: _org, key } = await server.createOrg("summaries");
    const api = server.trpc(key);
    const alpha = await api.prompts.create.mutate({ name: "Alpha", body: sampleBody() });
    const beta = await api.prompts.create.mutate({ name: "beta", body: sampleBody() });
    const gamma = await api.prompts.create.mutate({ name: "gamma", body: sampleBody() });
    const alpha11 = await api.versions.create.mutate({ promptId: alpha.prompt.id, baseVersionId: alpha.version.id, commitMessage: "tighter", body: sampleBody({ model: "gpt-4o" }), environment: "staging" });
    const alpha20 = await api.versions.create.mutate({ promptId: alpha.prompt.id, baseVersionId: alpha.version.id, bump: "major", body: sampleBody() });

    const ids = async (sort?: "created" | "updated" | "name") => (await api.prompts.listSummaries.query(sort ? { sort } : {})).items.map((p) => p.name);
    expect(await ids()).toEqual(["gamma", "beta", "Alpha"]);
    expect(await ids("created")).toEqual(["gamma", "beta", "Alpha"]);
    expect(await ids("name")).toEqual(["Alpha", "beta", "gamma"]);
    // Alpha was changed last (two versions), then gamma was created.
    expect(await ids("updated")).toEqual(["Alpha", "gamma", "beta"]);

    const summary = (await api.prompts.listSummaries.query({ search: "alpha" })).items;
    expect(summary).toEqual([
      {
        id: alpha.prompt.id,
        name: "Alpha",
        tags: [],
        createdAt: alpha.prompt.createdAt,
        updatedAt: expect.any(String),
        versionCount: 3,
        latestVersion: { id: alpha20.id, majorVersion: 2, minorVersion: 0, commitMessage: "", model: sampleBody().model, createdAt: alpha20.createdAt },
        environments: [
          { environment: "production", version: { id: alpha.version.id, majorVersion: 1, minorVersion: 0 } },
          { environment: "staging", version: { id: alpha11.id, majorVersion: 1, minorVersion: 1 } },
        ],
      },
    ]);

    // Each kind of change makes a prompt the most recently changed: a deployment, a rename, new tags, a delete.
    const newestFirst = async () => (await api.prompts.listSummaries.query({ sort: "updated" })).items[0]!;
    await api.environments.set.mutate({ promptId: beta.prompt.id, versionId: beta.version.id, environment: "qa" });
    expect((await newestFirst()).id).toBe(beta.prompt.id);
    await api.prompts.rename.mutate({ promptId: gamma.prompt.id, name: "gamma 2" });
    expect((await newestFirst()).id).toBe(gamma.prompt.id);
    await api.prompts.setTags.mutate({ promptId: alpha.prompt.id, tags: ["x"] });
    expect((await newestFirst()).id).toBe(alpha.prompt.id);
    const before = (await newestFirst()).updatedAt;
    await api.versions.delete.mutate({ promptId: beta.prompt.id, versionId: (await api.versions.create.mutate({ promptId: beta.prompt.id, baseVersionId: beta.version.id, body: sampleBody() })).id });
    const afterDelete = await newestFirst();
    expect(afterDelete).toMatchObject({ id: beta.prompt.id, versionCount: 1, latestVersion: { id: beta.version.id } });
    expect(Date.parse(afterDelete.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before));

    // A prompt's id finds it (the list and the summaries); a part of an id does not match other prompts' names.
    expect((await api.prompts.list.query({ search: gamma.prompt.id })).items.map((p) => p.id)).toEqual([gamma.prompt.id]);
    expect((await api.prompts.listSummaries.query({ search: ` ${beta.prompt.id} ` })).items.map((p) => p.id)).toEqual([beta.prompt.id]);
    // Pages of summaries are bounded.
    await expect(api.prompts.listSummaries.query({ pageSize: 101 })).rejects.toMatchObject({ data: { code: "BAD_REQUEST" } });
  });

  it("answers typed errors: BAD_REQUEST with the zod issues, NOT_FOUND, and the service's codes", async () => {
    const api = server.trpc();
    await expect(api.prompts.create.mutate({ name: "", body: sampleBody() })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST", httpStatus: 400, zodError: { fieldErrors: { name: expect.any(Array) } } },
    });
    await expect(api.versions.byId.query({ versionId: "missing" })).rejects.toMatchObject({
      message: "prompt version missing not found",
      data: { code: "NOT_FOUND", appError: { code: "NOT_FOUND" } },
    });
    const { prompt, version } = await api.prompts.create.mutate({ name: "x", body: sampleBody() });
    await expect(api.environments.remove.mutate({ promptId: prompt.id, versionId: version.id, environment: "production" })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
    });
    await expect(api.versions.delete.mutate({ promptId: prompt.id, versionId: version.id })).rejects.toMatchObject({
      data: { code: "CONFLICT", httpStatus: 409 },
    });
  });
});
