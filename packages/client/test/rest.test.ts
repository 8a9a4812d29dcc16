// The REST client against the real server: every method once, envelopes unwrapped, errors typed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestClient, PromptregApiError, PromptregNetworkError, type RestClient } from "../src/index.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";
import { countingFetch, sampleBody } from "./harness.js";

let server: TestServer;
let rest: RestClient;

beforeAll(async () => {
  server = await startTestServer();
  rest = createRestClient({ url: `${server.url}/`, apiKey: ADMIN_KEY });
});
afterAll(async () => server.stop());

async function apiError(promise: Promise<unknown>): Promise<PromptregApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PromptregApiError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("every endpoint", () => {
  it("prompts: create, query, get, rename, tags, count, environments, delete", async () => {
    const created = await rest.createPrompt({ name: "rest prompt", tags: ["x", " y ", "x"], promptBody: sampleBody() });
    expect(created).toEqual({ id: expect.stringMatching(/^[a-zA-Z0-9]{6}$/), versionId: expect.any(String) });

    const queried = await rest.queryPrompts({ search: "rest prompt", tagsFilter: ["y"] });
    expect(queried).toEqual([{ id: created.id, name: "rest prompt", tags: ["x", "y"], created_at: expect.any(String) }]);
    expect(await rest.getPrompt(created.id)).toMatchObject({ id: created.id, name: "rest prompt" });

    expect(await rest.renamePrompt(created.id, { name: "renamed prompt" })).toBeNull();
    expect((await rest.getPrompt(created.id)).name).toBe("renamed prompt");
    expect(await rest.setPromptTags(created.id, { tags: ["b", "a", "b", ""] })).toEqual(["b", "a"]);
    expect(await rest.listTags()).toEqual(expect.arrayContaining(["a", "b"]));
    expect(await rest.countPrompts()).toBeGreaterThanOrEqual(1);
    expect(await rest.listEnvironments()).toContain("production");

    expect(await rest.deletePrompt(created.id)).toBeNull();
    expect((await apiError(rest.getPrompt(created.id))).status).toBe(404);
  });

  it("versions: update, query/versions, query/version, totals, production, environment, body, v2, delete", async () => {
    const { id: promptId, versionId: v10 } = await rest.createPrompt({ name: "rest versions", promptBody: sampleBody() });
    const { id: v11 } = await rest.createVersion({
      promptId,
      promptVersionId: v10,
      newMajorVersion: false,
      commitMessage: "second",
      environment: "staging",
      promptBody: sampleBody("Hi!"),
    });
    const { id: v20 } = await rest.createVersion({ promptId, promptVersionId: v11, newMajorVersion: true, commitMessage: "major", promptBody: sampleBody("Yo.") });

    const versions = await rest.queryVersions({ promptId });
    expect(versions.map((v) => [v.id, `${v.major_version}.${v.minor_version}`])).toEqual([
      [v20, "2.0"],
      [v11, "1.1"],
      [v10, "1.0"],
    ]);
    expect(await rest.queryVersions({ promptId, majorVersion: 1 })).toHaveLength(2);

    const meta = await rest.queryVersion({ promptVersionId: v11 });
    expect(meta).toMatchObject({ id: v11, prompt_id: promptId, model: "gpt-4o-mini", commit_message: "second", environments: ["staging"] });
    expect(meta.variables.map((v) => v.name).sort()).toEqual(["company", "question"]);
    expect(await rest.totalVersions({ promptId })).toEqual({ totalVersions: 3, majorVersions: 2 });
    expect((await rest.productionVersion({ promptId })).id).toBe(v10);
    expect((await rest.environmentVersion({ promptId, environment: "staging" })).id).toBe(v11);
    expect(await rest.promptBody(v11)).toEqual(sampleBody("Hi!"));

    // The signed body URL: no Authorization header, raw body (what Helicone's SDK fetches).
    expect(await rest.signedBody(meta.s3_url)).toEqual(sampleBody("Hi!"));

    const v2 = await rest.queryVersionWithBody({ promptVersionId: v20 });
    expect(v2).toMatchObject({ id: v20, major_version: 2, minor_version: 0, prompt_body: sampleBody("Yo.") });
    expect((await rest.environmentVersionWithBody({ promptId, environment: "staging" })).prompt_body).toEqual(sampleBody("Hi!"));
    expect((await rest.productionVersionWithBody({ promptId })).prompt_body).toEqual(sampleBody());

    expect(await rest.deleteVersion(promptId, v20)).toBeNull();
    expect((await apiError(rest.queryVersion({ promptVersionId: v20 }))).status).toBe(404);
    const conflict = await apiError(rest.deleteVersion(promptId, v10));
    expect(conflict.status).toBe(409);
  });

  it("environments: update/environment, remove/environment", async () => {
    const { id: promptId, versionId } = await rest.createPrompt({ name: "rest envs", promptBody: sampleBody() });
    expect(await rest.setEnvironment({ promptId, promptVersionId: versionId, environment: "qa" })).toBeNull();
    expect((await rest.environmentVersion({ promptId, environment: "qa" })).environments.sort()).toEqual(["production", "qa"]);
    expect(await rest.removeEnvironment({ promptId, promptVersionId: versionId, environment: "qa" })).toBeNull();
    const missing = await apiError(rest.environmentVersion({ promptId, environment: "qa" }));
    expect(missing.status).toBe(404);
    expect(missing.request).toBe("POST /v1/prompt-2025/query/environment-version");
    const production = await apiError(rest.removeEnvironment({ promptId, promptVersionId: versionId, environment: "production" }));
    expect(production.status).toBeGreaterThanOrEqual(400);
    expect(production.status).toBeLessThan(500);
    expect(production.message).toMatch(/move/i);
  });

  it("legacy subversion", async () => {
    const { id: promptId, versionId } = await rest.createPrompt({ name: "rest legacy", promptBody: sampleBody() });
    const template = { model: "gpt-4", messages: [{ role: "user", content: "{{user_question}}" }] };
    const created = await rest.createSubversion(versionId, { newHeliconeTemplate: JSON.stringify(template), metadata: { changelog: "x" } });
    expect(created).toMatchObject({ prompt_v2: promptId, major_version: 1, minor_version: 1, model: "gpt-4", metadata: { changelog: "x" } });
    expect(JSON.parse(created.helicone_template)).toEqual(template);
  });

  it("protected environments: list, protect, unprotect; a member key is refused a protected move with 403", async () => {
    expect(await rest.protectedEnvironments()).toEqual(["production"]);
    expect(await rest.setEnvironmentProtection({ environment: "staging", protected: true })).toEqual(["production", "staging"]);
    const { id: promptId, versionId } = await rest.createPrompt({ name: "protected moves", promptBody: sampleBody() });
    const member = createRestClient({ url: server.url, apiKey: (await rest.createApiKey({ name: "member", role: "member" })).secret });
    const refused = await apiError(member.setEnvironment({ promptId, promptVersionId: versionId, environment: "staging" }));
    expect(refused.status).toBe(403);
    expect(refused.message).toContain("needs the deployer role");
    expect(await member.protectedEnvironments()).toEqual(["production", "staging"]);
    expect((await apiError(member.setEnvironmentProtection({ environment: "staging", protected: false }))).status).toBe(403);
    expect(await rest.setEnvironmentProtection({ environment: "staging", protected: false })).toEqual(["production"]);
    expect(await member.setEnvironment({ promptId, promptVersionId: versionId, environment: "staging" })).toBeNull();
  });

  it("api keys and organizations", async () => {
    const created = await rest.createApiKey({ name: "ci", role: "member" });
    expect(created.secret).toEqual(expect.any(String));
    expect(created.key).toMatchObject({ name: "ci", role: "member", revokedAt: null });
    const member = createRestClient({ url: server.url, apiKey: created.secret });
    expect(await member.countPrompts()).toEqual(expect.any(Number));

    expect((await rest.listApiKeys()).map((k) => k.id)).toContain(created.key.id);
    expect(await rest.revokeApiKey(created.key.id)).toBeNull();
    expect((await apiError(member.countPrompts())).status).toBe(401);

    const org = await rest.createOrganization({ name: "acme" });
    expect(org.organization.name).toBe("acme");
    const tenant = createRestClient({ url: server.url, apiKey: org.adminKey.secret });
    expect(await tenant.countPrompts()).toBe(0);
    // Another organization's id answers 404, like a missing one.
    const mine = await rest.createPrompt({ name: "not yours", promptBody: sampleBody() });
    expect((await apiError(tenant.getPrompt(mine.id))).status).toBe(404);
    // Only the bootstrap key creates organizations.
    expect((await apiError(tenant.createOrganization({ name: "nope" }))).status).toBe(403);
  });

  it("deployments since a time, and health", async () => {
    const since = new Date(Date.now() - 1000);
    const { id: promptId, versionId } = await rest.createPrompt({ name: "rest deployments", promptBody: sampleBody() });
    const changes = await rest.deploymentsSince(since);
    expect(changes).toContainEqual(expect.objectContaining({ promptId, environment: "production", action: "set", versionId, revision: 1 }));
    expect(await rest.deploymentsSince()).toContainEqual(expect.objectContaining({ promptId }));
    expect(await rest.health()).toBe(true);
    expect(await rest.ready()).toBe(true);
  });
});

describe("errors", () => {
  it("an error envelope becomes PromptregApiError { status, message }", async () => {
    const error = await apiError(rest.createPrompt({ name: "", promptBody: sampleBody() }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/name/);
    expect(error.request).toBe("POST /v1/prompt-2025");
  });

  it("a bad key is 401", async () => {
    const stranger = createRestClient({ url: server.url, apiKey: "not-a-key-0123456789" });
    const error = await apiError(stranger.listTags());
    expect(error).toBeInstanceOf(PromptregApiError);
    expect(error.status).toBe(401);
  });

  it("no answer is PromptregNetworkError", async () => {
    const counting = countingFetch();
    const flaky = createRestClient({ url: server.url, apiKey: ADMIN_KEY, fetch: counting.fetch });
    counting.failNext(1);
    await expect(flaky.countPrompts()).rejects.toBeInstanceOf(PromptregNetworkError);
    await expect(flaky.countPrompts()).resolves.toEqual(expect.any(Number));
  });

  it("sends the extra headers and the Bearer key", async () => {
    const seen: Array<Record<string, string>> = [];
    const spy = createRestClient({
      url: server.url,
      apiKey: ADMIN_KEY,
      headers: () => ({ "x-trace-id": "t-1" }),
      fetch: (input, init) => {
        seen.push(init?.headers as Record<string, string>);
        return fetch(input, init);
      },
    });
    await spy.countPrompts();
    expect(seen[0]).toMatchObject({ "x-trace-id": "t-1", authorization: `Bearer ${ADMIN_KEY}` });
  });
});
