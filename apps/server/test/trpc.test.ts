// The typed API over real HTTP with the real tRPC client: the same rules as REST, camelCase shapes.
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
      { environment: "production", versionId: version.id, updatedAt: expect.any(String) },
      { environment: "staging", versionId: v2.id, updatedAt: expect.any(String) },
    ]);
    const list = await api.prompts.list.query({ search: "TYP" });
    expect(list).toMatchObject({ total: 1, page: 0, items: [{ id: prompt.id }] });
    expect(await api.versions.totals.query({ promptId: prompt.id })).toEqual({ totalVersions: 2, majorVersions: 2 });
  });

  it("records a deployment history with time and key", async () => {
    const api = server.trpc();
    const { secret, key } = await api.apiKeys.create.mutate({ name: "deployer", role: "member" });
    const { prompt, version } = await api.prompts.create.mutate({ name: "history", body: sampleBody() });
    const asMember = server.trpc(secret);
    const v11 = await asMember.versions.create.mutate({ promptId: prompt.id, baseVersionId: version.id, body: sampleBody() });
    await asMember.environments.set.mutate({ promptId: prompt.id, versionId: v11.id, environment: "production" });
    await asMember.environments.set.mutate({ promptId: prompt.id, versionId: v11.id, environment: "staging" });
    await asMember.environments.remove.mutate({ promptId: prompt.id, versionId: v11.id, environment: "staging" });

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
