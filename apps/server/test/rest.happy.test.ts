// Every Helicone-compatible endpoint in ../shared/API.md, called over real HTTP, checked field by field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VERSION_KEYS = [
  "commit_message",
  "created_at",
  "environments",
  "id",
  "major_version",
  "minor_version",
  "model",
  "partials",
  "prompt_id",
  "s3_url",
  "variables",
];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

async function createPrompt(name = "support", tags?: string[], body: Record<string, unknown> = sampleBody()) {
  const res = await server.rest("POST", "/v1/prompt-2025", { name, tags, promptBody: body });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; versionId: string };
}

async function newVersion(promptId: string, baseId: string, extra: Record<string, unknown> = {}) {
  const res = await server.rest("POST", "/v1/prompt-2025/update", {
    promptId,
    promptVersionId: baseId,
    newMajorVersion: false,
    commitMessage: "tweak",
    promptBody: sampleBody({ temperature: 0.9 }),
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  return (res.body.data as { id: string }).id;
}

describe("prompts", () => {
  it("POST /v1/prompt-2025 creates a prompt with version 1.0 deployed to production", async () => {
    const res = await server.rest("POST", "/v1/prompt-2025", { name: "greeter", tags: ["a"], promptBody: sampleBody() });
    expect(res.status).toBe(201);
    expect(res.body.error).toBeNull();
    expect(Object.keys(res.body.data).sort()).toEqual(["id", "versionId"]);
    expect(res.body.data.id).toMatch(/^[a-zA-Z0-9]{6}$/);
    expect(res.body.data.versionId).toMatch(UUID);

    const prod = await server.rest("POST", "/v1/prompt-2025/query/production-version", { promptId: res.body.data.id });
    expect(prod.status).toBe(200);
    expect(prod.body.data).toMatchObject({
      id: res.body.data.versionId,
      prompt_id: res.body.data.id,
      model: "gpt-4o-mini",
      major_version: 1,
      minor_version: 0,
      commit_message: "First version.",
      environments: ["production"],
    });
  });

  it("GET /v1/prompt-2025/id/{id} answers the prompt in snake_case", async () => {
    const { id } = await createPrompt("by-id", [" x ", "y", "x", ""]);
    const res = await server.rest("GET", `/v1/prompt-2025/id/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { id, name: "by-id", tags: ["x", "y"], created_at: expect.stringMatching(ISO) }, error: null });
  });

  it("POST /v1/prompt-2025/query lists newest first, searches names literally and filters by any tag, with pages", async () => {
    const isolated = await startTestServer();
    try {
      const create = async (name: string, tags: string[]) =>
        (await isolated.rest("POST", "/v1/prompt-2025", { name, tags, promptBody: sampleBody() })).body.data.id as string;
      const a = await create("Alpha Support", ["support", "en"]);
      const b = await create("beta", ["sales"]);
      const c = await create("alpha.sales (v2)", ["sales", "en"]);

      const all = await isolated.rest("POST", "/v1/prompt-2025/query", {});
      expect(all.status).toBe(200);
      expect(all.body.data.map((p: { id: string }) => p.id)).toEqual([c, b, a]);
      expect(Object.keys(all.body.data[0]).sort()).toEqual(["created_at", "id", "name", "tags"]);

      const search = await isolated.rest("POST", "/v1/prompt-2025/query", { search: "ALPHA" });
      expect(search.body.data.map((p: { id: string }) => p.id)).toEqual([c, a]);
      // Regex metacharacters are literal text.
      const literal = await isolated.rest("POST", "/v1/prompt-2025/query", { search: "(v2)" });
      expect(literal.body.data.map((p: { id: string }) => p.id)).toEqual([c]);
      const dot = await isolated.rest("POST", "/v1/prompt-2025/query", { search: "a.s" });
      expect(dot.body.data.map((p: { id: string }) => p.id)).toEqual([c]);

      const tagged = await isolated.rest("POST", "/v1/prompt-2025/query", { tagsFilter: ["support", "sales"] });
      expect(tagged.body.data.map((p: { id: string }) => p.id)).toEqual([c, b, a]);
      const en = await isolated.rest("POST", "/v1/prompt-2025/query", { tagsFilter: ["en"], search: "sup" });
      expect(en.body.data.map((p: { id: string }) => p.id)).toEqual([a]);
      // Written as tags are stored: trimmed.
      const spaced = await isolated.rest("POST", "/v1/prompt-2025/query", { tagsFilter: [" en "] });
      expect(spaced.body.data.map((p: { id: string }) => p.id)).toEqual([c, a]);

      const page0 = await isolated.rest("POST", "/v1/prompt-2025/query", { page: 0, pageSize: 2 });
      const page1 = await isolated.rest("POST", "/v1/prompt-2025/query", { page: 1, pageSize: 2 });
      expect(page0.body.data.map((p: { id: string }) => p.id)).toEqual([c, b]);
      expect(page1.body.data.map((p: { id: string }) => p.id)).toEqual([a]);

      expect((await isolated.rest("GET", "/v1/prompt-2025/count")).body).toEqual({ data: 3, error: null });
      expect((await isolated.rest("GET", "/v1/prompt-2025/tags")).body).toEqual({ data: ["en", "sales", "support"], error: null });
      expect((await isolated.rest("GET", "/v1/prompt-2025/environments")).body).toEqual({ data: ["production"], error: null });
    } finally {
      await isolated.stop();
    }
  });

  it("rename and tags answer null and the stored tags", async () => {
    const { id } = await createPrompt("old name", ["t1"]);
    const renamed = await server.rest("POST", `/v1/prompt-2025/id/${id}/rename`, { name: "new name" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ data: null, error: null });
    const tags = await server.rest("PATCH", `/v1/prompt-2025/id/${id}/tags`, { tags: [" b ", "a", "b", "", "c"] });
    expect(tags.body).toEqual({ data: ["b", "a", "c"], error: null });
    const got = await server.rest("GET", `/v1/prompt-2025/id/${id}`);
    expect(got.body.data).toMatchObject({ name: "new name", tags: ["b", "a", "c"] });
  });

  it("DELETE /v1/prompt-2025/{id} removes the prompt and its versions from every lookup", async () => {
    const { id, versionId } = await createPrompt("doomed");
    const countBefore = (await server.rest("GET", "/v1/prompt-2025/count")).body.data as number;
    const del = await server.rest("DELETE", `/v1/prompt-2025/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ data: null, error: null });
    expect((await server.rest("GET", `/v1/prompt-2025/id/${id}`)).status).toBe(404);
    expect((await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: versionId })).status).toBe(404);
    expect((await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id })).status).toBe(404);
    expect((await server.rest("GET", `/v1/prompt-2025/${versionId}/prompt-body`)).status).toBe(404);
    expect((await server.rest("GET", "/v1/prompt-2025/count")).body.data).toBe(countBefore - 1);
    const listed = await server.rest("POST", "/v1/prompt-2025/query", { search: "doomed" });
    expect(listed.body.data).toEqual([]);
    // Kept in storage, marked deleted.
    const stored = await (await server.rawDb()).collection("prompts").findOne({ _id: id as never });
    expect(stored?.["deletedAt"]).toBeInstanceOf(Date);
    expect((await server.rest("DELETE", `/v1/prompt-2025/${id}`)).status).toBe(404);
  });
});

describe("versions", () => {
  it("query/versions answers every version without paging (Helicone's endpoint does not page), a page with it", { timeout: 120_000 }, async () => {
    const { id, versionId: v10 } = await createPrompt("more-than-a-page");
    const ids = [v10];
    for (let batch = 0; batch < 1005 / 15; batch++) {
      ids.push(...(await Promise.all(Array.from({ length: 15 }, () => newVersion(id, v10)))));
    }
    const all = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id });
    expect(all.body.data).toHaveLength(ids.length);
    expect(ids.length).toBeGreaterThan(1000);
    // The oldest is there too: 1.0, which production points at.
    expect(all.body.data.at(-1)).toMatchObject({ id: v10, environments: ["production"] });
    const page = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id, page: 1, pageSize: 10 });
    expect(page.body.data.map((v: { id: string }) => v.id)).toEqual(all.body.data.slice(10, 20).map((v: { id: string }) => v.id));
  });

  it("numbers minor and major bumps as the rules say", async () => {
    const { id, versionId: v10 } = await createPrompt("numbering");
    const v11 = await newVersion(id, v10);
    const v12 = await newVersion(id, v10);
    const v20 = await newVersion(id, v11, { newMajorVersion: true });
    const v13 = await newVersion(id, v10); // minor from major 1 continues major 1
    const v21 = await newVersion(id, v20);
    const v30 = await newVersion(id, v10, { newMajorVersion: true }); // major from an old base: highest + 1

    const list = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id });
    expect(list.status).toBe(200);
    const numbers = Object.fromEntries(
      (list.body.data as Array<{ id: string; major_version: number; minor_version: number }>).map((v) => [
        v.id,
        `${v.major_version}.${v.minor_version}`,
      ]),
    );
    expect(numbers).toEqual({ [v10]: "1.0", [v11]: "1.1", [v12]: "1.2", [v20]: "2.0", [v13]: "1.3", [v21]: "2.1", [v30]: "3.0" });
    // Newest first by creation.
    expect(list.body.data.map((v: { id: string }) => v.id)).toEqual([v30, v21, v13, v20, v12, v11, v10]);

    const major1 = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id, majorVersion: 1 });
    expect(major1.body.data.map((v: { id: string }) => v.id)).toEqual([v13, v12, v11, v10]);

    const paged = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id, page: 1, pageSize: 3 });
    expect(paged.body.data.map((v: { id: string }) => v.id)).toEqual([v20, v12, v11]);

    const totals = await server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: id });
    expect(totals.body).toEqual({ data: { totalVersions: 7, majorVersions: 3 }, error: null });
  });

  it("POST /v1/prompt-2025/query/version answers the documented metadata with a working s3_url", async () => {
    const body = sampleBody({ tools: [{ type: "function", function: { name: "lookup", parameters: { $schema: "x", type: "object" } } }] });
    const { id, versionId } = await createPrompt("meta", [], body);
    const res = await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: versionId });
    expect(res.status).toBe(200);
    const v = res.body.data;
    expect(Object.keys(v).sort()).toEqual(VERSION_KEYS);
    expect(v).toMatchObject({
      id: versionId,
      prompt_id: id,
      model: "gpt-4o-mini",
      major_version: 1,
      minor_version: 0,
      commit_message: "First version.",
      environments: ["production"],
    });
    expect(v.created_at).toMatch(ISO);
    expect(v.variables.map((x: { name: string }) => x.name).sort()).toEqual(["company", "customer", "question"]);

    // Helicone's SDK fetches s3_url with no Authorization header and expects the raw body.
    const fetched = await fetch(v.s3_url);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(body);
    // A tampered signature is refused.
    const tampered = await fetch(v.s3_url.replace(/signature=[^&]+/, "signature=AAAA"));
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toEqual({ data: null, error: expect.stringContaining("signature") });
  });

  it("GET /v1/prompt-2025/{versionId}/prompt-body answers the body in the envelope, exactly as stored", async () => {
    const body = sampleBody({ max_tokens: 100, seed: 7, response_format: { type: "json_schema", json_schema: { name: "x", schema: { $ref: "#/$defs/a", $defs: { a: { type: "string" } } } } } });
    const { versionId } = await createPrompt("body", [], body);
    const res = await server.rest("GET", `/v1/prompt-2025/${versionId}/prompt-body`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: body, error: null });
  });

  it("the /v2 queries add prompt_body", async () => {
    const { id, versionId } = await createPrompt("v2");
    const v11 = await newVersion(id, versionId, { environment: "staging" });
    const byVersion = await server.rest("POST", "/v2/prompt-2025/query/version", { promptVersionId: v11 });
    expect(byVersion.status).toBe(200);
    expect(Object.keys(byVersion.body.data).sort()).toEqual([...VERSION_KEYS, "prompt_body"].sort());
    expect(byVersion.body.data.prompt_body).toEqual(sampleBody({ temperature: 0.9 }));
    expect(byVersion.body.data.environments).toEqual(["staging"]);

    const staging = await server.rest("POST", "/v2/prompt-2025/query/environment-version", { promptId: id, environment: "staging" });
    expect(staging.body.data).toMatchObject({ id: v11, minor_version: 1, prompt_body: sampleBody({ temperature: 0.9 }) });
    const prod = await server.rest("POST", "/v2/prompt-2025/query/production-version", { promptId: id });
    expect(prod.body.data).toMatchObject({ id: versionId, minor_version: 0, prompt_body: sampleBody() });
  });

  it("DELETE /v1/prompt-2025/{promptId}/{versionId} hides a version and never reuses its number", async () => {
    const { id, versionId: v10 } = await createPrompt("hide");
    const v11 = await newVersion(id, v10);
    const refused = await server.rest("DELETE", `/v1/prompt-2025/${id}/${v10}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ data: null, error: expect.stringContaining("production") });

    const ok = await server.rest("DELETE", `/v1/prompt-2025/${id}/${v11}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ data: null, error: null });
    expect((await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: v11 })).status).toBe(404);
    const list = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id });
    expect(list.body.data.map((v: { id: string }) => v.id)).toEqual([v10]);
    const v12 = await newVersion(id, v10);
    const got = await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: v12 });
    expect(got.body.data.minor_version).toBe(2);
    expect((await server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: id })).body.data).toEqual({
      totalVersions: 2,
      majorVersions: 1,
    });
  });
});

describe("environments", () => {
  it("set moves an environment, remove clears it, production cannot be removed", async () => {
    const { id, versionId: v10 } = await createPrompt("envs");
    const v11 = await newVersion(id, v10);

    const set = await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: v11, environment: "staging" });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ data: null, error: null });
    expect((await server.rest("POST", "/v1/prompt-2025/query/environment-version", { promptId: id, environment: "staging" })).body.data.id).toBe(v11);

    // Moving production: one version per environment.
    await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: v11, environment: "production" });
    const versions = await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id });
    const envs = Object.fromEntries(versions.body.data.map((v: { id: string; environments: string[] }) => [v.id, v.environments]));
    expect(envs).toEqual({ [v11]: ["production", "staging"], [v10]: [] });

    const wrongVersion = await server.rest("POST", "/v1/prompt-2025/remove/environment", { promptId: id, promptVersionId: v10, environment: "staging" });
    expect(wrongVersion.status).toBe(404);
    expect(wrongVersion.body.error).toContain("staging");

    const removed = await server.rest("POST", "/v1/prompt-2025/remove/environment", { promptId: id, promptVersionId: v11, environment: "staging" });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ data: null, error: null });
    const gone = await server.rest("POST", "/v1/prompt-2025/query/environment-version", { promptId: id, environment: "staging" });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ data: null, error: expect.stringContaining("staging") });

    const prod = await server.rest("POST", "/v1/prompt-2025/remove/environment", { promptId: id, promptVersionId: v11, environment: "production" });
    expect(prod.status).toBe(400);
    expect(prod.body.error).toMatch(/production.*move/);
    expect((await server.rest("POST", "/v1/prompt-2025/query/production-version", { promptId: id })).body.data.id).toBe(v11);
  });

  it("refuses to point an environment of one prompt at another prompt's version", async () => {
    const a = await createPrompt("a");
    const b = await createPrompt("b");
    const res = await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: a.id, promptVersionId: b.versionId, environment: "staging" });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("another prompt");
    expect((await server.rest("POST", "/v1/prompt-2025/query/environment-version", { promptId: a.id, environment: "staging" })).status).toBe(404);
  });

  it("update with environment deploys the new version", async () => {
    const { id, versionId } = await createPrompt("deploy-on-create");
    const v11 = await newVersion(id, versionId, { environment: "production" });
    expect((await server.rest("POST", "/v1/prompt-2025/query/production-version", { promptId: id })).body.data.id).toBe(v11);
  });
});

describe("legacy subversion endpoint", () => {
  it("creates minor, major and bump-for-major versions, accepting the template as object or JSON string", async () => {
    const { id, versionId: v10 } = await createPrompt("legacy");
    const template = { model: "gpt-4", messages: [{ role: "user", content: "{{user_question}}" }] };
    const minor = await server.rest("POST", `/v1/prompt/version/${v10}/subversion`, {
      newHeliconeTemplate: template,
      isMajorVersion: false,
      metadata: { changelog: "Enhanced system prompt" },
      experimentId: "exp-1",
    });
    expect(minor.status).toBe(201);
    expect(minor.body.error).toBeNull();
    expect(minor.body.data).toEqual({
      id: expect.stringMatching(UUID),
      minor_version: 1,
      major_version: 1,
      prompt_v2: id,
      model: "gpt-4",
      helicone_template: JSON.stringify(template),
      created_at: expect.stringMatching(ISO),
      metadata: { changelog: "Enhanced system prompt" },
      experiment_id: "exp-1",
    });
    const version = await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: minor.body.data.id });
    expect(version.body.data.commit_message).toBe("Enhanced system prompt");
    expect(version.body.data.variables).toEqual([{ name: "user_question", type: "string", syntax: "legacy", locations: ["/messages/0/content"] }]);

    const major = await server.rest("POST", `/v1/prompt/version/${v10}/subversion`, { newHeliconeTemplate: JSON.stringify(template), isMajorVersion: true });
    expect(major.status).toBe(201);
    expect(major.body.data).toMatchObject({ major_version: 2, minor_version: 0, metadata: {}, experiment_id: null });

    const bump = await server.rest("POST", `/v1/prompt/version/${major.body.data.id}/subversion`, {
      newHeliconeTemplate: template,
      bumpForMajorPromptVersionId: v10,
    });
    expect(bump.body.data).toMatchObject({ major_version: 1, minor_version: 2 });
  });
});

describe("service endpoints", () => {
  it("healthz and readyz answer without a key", async () => {
    expect((await server.rest("GET", "/healthz", undefined, { key: null })).status).toBe(200);
    const ready = await server.rest("GET", "/readyz", undefined, { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready" });
  });

  it("echoes a caller's x-request-id and makes one otherwise", async () => {
    const given = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const made = await fetch(`${server.url}/healthz`);
    expect(made.headers.get("x-request-id")).toMatch(UUID);
  });
});
