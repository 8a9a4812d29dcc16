// The prompt-fetch read path: the hot REST routes answered ahead of Express (same contract, headers and
// errors as the Express mount), the resolved-environment cache (invalidated by every change, on this
// replica at once and on others through the deployment feed) and the version copy kept in each pointer.
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

const ORIGIN = "https://app.example.com";
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ PROMPTREG_CORS_ORIGINS: ORIGIN });
});
afterAll(async () => server.stop());

async function createPrompt(target: TestServer, name: string) {
  const res = await target.rest("POST", "/v1/prompt-2025", { name, promptBody: sampleBody() });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; versionId: string };
}

async function newVersion(target: TestServer, promptId: string, baseId: string, temperature: number, environment?: string) {
  const res = await target.rest("POST", "/v1/prompt-2025/update", {
    promptId,
    promptVersionId: baseId,
    newMajorVersion: false,
    commitMessage: `t=${temperature}`,
    promptBody: sampleBody({ temperature }),
    ...(environment ? { environment } : {}),
  });
  expect(res.status, res.text).toBe(201);
  return (res.body.data as { id: string }).id;
}

/** POSTs `body` as plain JSON, or gzip-compressed (read by the same request pipeline). */
async function post(path: string, body: unknown, encoding: "plain" | "gzip", headers: Record<string, string> = {}) {
  const json = JSON.stringify(body);
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      "content-type": "application/json",
      ...(encoding === "gzip" ? { "content-encoding": "gzip" } : {}),
      ...headers,
    },
    body: encoding === "gzip" ? gzipSync(json) : json,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const ENVIRONMENT_VERSION = "/v2/prompt-2025/query/environment-version";

describe("hot routes answer as the routes Express serves do", () => {
  it("same headers (helmet, CORS, request id) as an Express route; compressed bodies read alike", async () => {
    const { id, versionId } = await createPrompt(server, "parity");
    const hot = await post(ENVIRONMENT_VERSION, { promptId: id, environment: "production" }, "plain", { origin: ORIGIN });
    const compressed = await post(ENVIRONMENT_VERSION, { promptId: id, environment: "production" }, "gzip", { origin: ORIGIN });
    // A route that is not hot: Express's router serves it.
    const viaExpress = await post("/v1/prompt-2025/query/total-versions", { promptId: id }, "plain", { origin: ORIGIN });
    expect([hot.status, compressed.status, viaExpress.status]).toEqual([200, 200, 200]);
    expect(hot.body.data).toMatchObject({ id: versionId, environments: ["production"], prompt_body: sampleBody() });
    expect(compressed.body).toEqual(hot.body);
    expect(hot.body.error).toBeNull();

    // The answers did come from the two paths: Express adds an ETag, the hot path does not (a POST answer
    // is not cached by HTTP caches). The rest of the header names, and the security headers' values, are the same.
    const names = (h: Headers) => [...h.keys()].filter((k) => !["etag", "keep-alive", "connection"].includes(k)).sort();
    expect(viaExpress.headers.get("etag")).toBeTruthy();
    expect(hot.headers.get("etag")).toBeNull();
    expect(names(hot.headers)).toEqual(names(viaExpress.headers));
    for (const name of ["content-security-policy", "strict-transport-security", "x-frame-options", "x-content-type-options", "content-type", "access-control-allow-origin", "access-control-expose-headers", "vary"]) {
      expect(hot.headers.get(name), name).toBe(viaExpress.headers.get(name));
    }
    expect(hot.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(hot.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("same errors, plain or compressed: contract violations, unknown prompts, missing keys, bad JSON, non-JSON bodies", async () => {
    const cases: Array<[body: unknown, headers: Record<string, string>, status: number]> = [
      [{ promptId: 42, environment: "production" }, {}, 400],
      [{ promptId: "nope00", environment: "production" }, {}, 404],
      [{ promptId: { $gt: "" }, environment: "production" }, {}, 400],
      [{ promptId: "nope00", environment: "production" }, { authorization: "Bearer prk_wrong" }, 401],
      ["production", {}, 400],
      [42, {}, 400],
      [null, {}, 400],
      [[{ promptId: "nope00" }], {}, 400],
    ];
    for (const [body, headers, status] of cases) {
      const hot = await post(ENVIRONMENT_VERSION, body, "plain", headers);
      const compressed = await post(ENVIRONMENT_VERSION, body, "gzip", headers);
      expect(hot.status, JSON.stringify(body)).toBe(status);
      expect(compressed.body).toEqual(hot.body);
      expect(hot.body.data).toBeNull();
    }

    const badJson = await fetch(`${server.url}${ENVIRONMENT_VERSION}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: '{"promptId": ',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ data: null, error: "request body is not valid JSON" });

    const invalidUtf8 = await fetch(`${server.url}${ENVIRONMENT_VERSION}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(invalidUtf8.status).toBe(400);
    expect(await invalidUtf8.json()).toEqual({ data: null, error: "request body is not valid UTF-8" });

    const text = await fetch(`${server.url}${ENVIRONMENT_VERSION}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "text/plain" },
      body: "hello",
    });
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: string }).error).toContain("Content-Type: application/json");

    const tooLarge = await fetch(`${server.url}${ENVIRONMENT_VERSION}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ promptId: "x", environment: "production", pad: "x".repeat(2_000_000) }),
    });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { data: unknown }).data).toBeNull();
  });

  it("counts against the same rate limit as every other API call", async () => {
    const limited = await startTestServer({ PROMPTREG_RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const key = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
      const body = JSON.stringify({ promptId: "nope00", environment: "production" });
      expect((await fetch(`${limited.url}/v1/prompt-2025/count`, { headers: key })).status).toBe(200);
      expect((await fetch(`${limited.url}${ENVIRONMENT_VERSION}`, { method: "POST", headers: key, body })).status).toBe(404);
      expect((await fetch(`${limited.url}${ENVIRONMENT_VERSION}`, { method: "POST", headers: key, body })).status).toBe(404);
      const refused = await fetch(`${limited.url}${ENVIRONMENT_VERSION}`, { method: "POST", headers: key, body });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { error: string }).error).toContain("rate limit exceeded");
    } finally {
      await limited.stop();
    }
  });
});

describe("resolved environments are cached and every change invalidates them", () => {
  it("a move, a new deployed version and a prompt deletion are visible on the next fetch", async () => {
    const { id, versionId } = await createPrompt(server, "moves");
    const fetchProduction = () => server.rest("POST", "/v1/prompt-2025/query/production-version", { promptId: id });
    expect((await fetchProduction()).body.data.id).toBe(versionId);
    expect((await fetchProduction()).body.data.id).toBe(versionId); // now from the cache

    const v2 = await newVersion(server, id, versionId, 0.5, "production");
    const moved = await fetchProduction();
    expect(moved.body.data).toMatchObject({ id: v2, environments: ["production"], minor_version: 1 });

    // Another environment pointing at the same version changes its `environments` list.
    expect((await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: v2, environment: "staging" })).status).toBe(200);
    expect((await fetchProduction()).body.data.environments).toEqual(["production", "staging"]);

    expect((await server.rest("DELETE", `/v1/prompt-2025/${id}`)).status).toBe(200);
    const gone = await fetchProduction();
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ data: null, error: expect.stringContaining(id) });
  });

  it("another replica's move reaches this replica's cache with its next feed poll; Cache-Control: no-cache reads through at once", async () => {
    // Replica B polls the feed only when the test says so.
    const replicaB = await startTestServer({ MONGODB_DB: server.dbName, PROMPTREG_DEPLOYMENT_POLL_MS: "60000" });
    try {
      const { id, versionId } = await createPrompt(server, "replicas");
      const fromB = (headers: Record<string, string> = {}) =>
        fetch(`${replicaB.url}/v1/prompt-2025/query/environment-version`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", ...headers },
          body: JSON.stringify({ promptId: id, environment: "production" }),
        }).then(async (r) => ((await r.json()) as { data: { id: string } }).data.id);
      expect(await fromB()).toBe(versionId);

      const v2 = await newVersion(server, id, versionId, 0.7, "production");
      expect(await fromB()).toBe(versionId); // B has not heard of it yet: the cache answers
      expect(await fromB({ "cache-control": "no-cache" })).toBe(v2);
      expect(await fromB()).toBe(v2); // the fresh read refreshed the cache

      const v3 = await newVersion(server, id, v2, 0.8, "production");
      expect(await fromB()).toBe(v2);
      await replicaB.services.deploymentFeed.poll();
      expect(await fromB()).toBe(v3);
    } finally {
      await replicaB.stop();
    }
  });
});

describe("each pointer's version is copied under the pointer's key", () => {
  it("the copy is the stored version; a missing or lagging copy is never served", async () => {
    const { id, versionId } = await createPrompt(server, "copies");
    const db = await server.rawDb();
    const copies = db.collection("pointer_copies");
    const key = { _id: `${id}:production` as never };
    const copy = await copies.findOne(key);
    expect(copy?.["version"]).toEqual(await db.collection("versions").findOne({ _id: versionId as never }));
    // The pointer documents stay small: scans of a prompt's environments never carry bodies.
    expect(await db.collection("environments").findOne(key)).not.toHaveProperty("version");

    const fetchFresh = () => post(ENVIRONMENT_VERSION, { promptId: id, environment: "production" }, "plain", { "cache-control": "no-cache" });
    await copies.deleteOne(key); // a pointer written before copies were kept
    expect((await fetchFresh()).body.data).toMatchObject({ id: versionId, prompt_body: sampleBody() });

    // A copy that lags its pointer (its mover died between the two writes) names another version.
    const v2 = await newVersion(server, id, versionId, 0.4);
    const v2Doc = await db.collection("versions").findOne({ _id: v2 as never });
    await copies.replaceOne(key, { orgId: "default", promptId: id, environment: "production", version: v2Doc }, { upsert: true });
    expect((await fetchFresh()).body.data).toMatchObject({ id: versionId, prompt_body: sampleBody() });
  });
});

describe("signed body URLs (Helicone SDK's second request) are answered from the resolution cache", () => {
  it("exactly as stored, and gone at once when the version is hidden or the prompt deleted", async () => {
    const { id, versionId } = await createPrompt(server, "signed");
    const v2 = await newVersion(server, id, versionId, 0.25);
    const urlOf = async (version: string) =>
      (await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: version })).body.data.s3_url as string;
    const [url1, url2] = [await urlOf(versionId), await urlOf(v2)];
    const stored = (await (await server.rawDb()).collection("versions").findOne({ _id: v2 as never }))?.["body"] as string;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url2);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(stored);
    }
    expect(JSON.parse(stored)).toEqual(sampleBody({ temperature: 0.25 }));
    expect((await server.rest("DELETE", `/v1/prompt-2025/${id}/${v2}`)).status).toBe(200);
    expect((await fetch(url2)).status).toBe(404);
    expect((await fetch(url1)).status).toBe(200);
    expect((await server.rest("DELETE", `/v1/prompt-2025/${id}`)).status).toBe(200);
    expect((await fetch(url1)).status).toBe(404);
  });
});

describe("the version cache is shared by organizations without leaking or poisoning", () => {
  it("another organization asking for a version id first does not make it missing for its owner", async () => {
    const other = await server.createOrg("poisoner");
    const { id, versionId } = await createPrompt(server, "owned");
    // The other organization names one of its own prompts with the owner's version id.
    const { id: otherPrompt } = (await server.rest("POST", "/v1/prompt-2025", { name: "mine", promptBody: sampleBody() }, { key: other.key })).body.data as { id: string };
    const resolve = (orgId: string, promptId: string) => server.services.resolution.resolve({ orgId }, { promptId, versionId });
    await expect(resolve(other.orgId, otherPrompt)).rejects.toMatchObject({ code: "NOT_FOUND" });
    // A tenant-scoped load would have cached "missing" under the version id for everyone.
    expect((await resolve("default", id)).versionId).toBe(versionId);
    await expect(resolve(other.orgId, otherPrompt)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("a version fetched by id is cached too, and every change of its prompt invalidates it", () => {
  it("environments, hides and other organizations", async () => {
    const { id, versionId } = await createPrompt(server, "by-id");
    const v2 = await newVersion(server, id, versionId, 0.6);
    const byId = (version: string, key?: string) =>
      server.rest("POST", "/v2/prompt-2025/query/version", { promptVersionId: version }, key === undefined ? {} : { key });
    for (let i = 0; i < 2; i++) {
      const res = await byId(v2); // the first learns the version's prompt, the second is served from memory
      expect(res.body.data).toMatchObject({ id: v2, environments: [], minor_version: 1, prompt_body: sampleBody({ temperature: 0.6 }) });
    }
    // Another organization gets the same 404 as for an unknown id, cache or not.
    const other = await server.createOrg("by-id other");
    expect((await byId(v2, other.key)).status).toBe(404);

    expect((await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: v2, environment: "staging" })).status).toBe(200);
    expect((await byId(v2)).body.data.environments).toEqual(["staging"]);
    const v1 = await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: versionId });
    expect(v1.body.data.environments).toEqual(["production"]);

    expect((await server.rest("POST", "/v1/prompt-2025/remove/environment", { promptId: id, promptVersionId: v2, environment: "staging" })).status).toBe(200);
    expect((await byId(v2)).body.data.environments).toEqual([]);
    expect((await server.rest("DELETE", `/v1/prompt-2025/${id}/${v2}`)).status).toBe(200);
    expect((await byId(v2)).status).toBe(404);
    expect((await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: v2 })).status).toBe(404);
  });
});

describe("a prompt's pointers are read by _id, through the environment names it records", () => {
  const noCache = { headers: { "cache-control": "no-cache" } };
  const environmentsOf = async (promptId: string, environment: string) =>
    (await server.rest("POST", "/v2/prompt-2025/query/environment-version", { promptId, environment }, noCache)).body.data?.environments as string[] | undefined;

  it("uncached fetches send only _id lookups (anything else scans every pointer on the embedded database)", async () => {
    const { id, versionId } = await createPrompt(server, "by-id-only");
    const v11 = await newVersion(server, id, versionId, 0.5, "staging");
    await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: versionId, environment: "qa" });

    // The collections a prompt fetch reads (the deployment feed's background polls read others meanwhile).
    const fetchReads = new Set(["prompts", "environments", "pointer_copies", "versions"]);
    const filters: Array<Record<string, unknown>> = [];
    const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === "find" && fetchReads.has(String(event.command["find"]))) filters.push(event.command["filter"] as Record<string, unknown>);
    };
    server.database.client.on("commandStarted", listener);
    try {
      expect(await environmentsOf(id, "production")).toEqual(["production", "qa"]);
      expect(await environmentsOf(id, "staging")).toEqual(["staging"]);
      expect((await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: v11 }, noCache)).body.data.environments).toEqual(["staging"]);
    } finally {
      server.database.client.off("commandStarted", listener);
    }
    expect(filters.length).toBeGreaterThan(0);
    expect(filters.filter((f) => Object.keys(f).join() !== "_id")).toEqual([]);
  });

  it("prompts stored before the names were recorded are still read right (by query)", async () => {
    const { id, versionId } = await createPrompt(server, "older-prompt");
    const v11 = await newVersion(server, id, versionId, 0.5, "staging");
    const db = await server.rawDb();
    await db.collection("prompts").updateOne({ _id: id as never }, { $unset: { environments: "" } });
    await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: v11, environment: "qa" });
    // The list is not started on such a prompt: an incomplete one would hide its older pointers.
    expect((await db.collection("prompts").findOne({ _id: id as never }))?.["environments"]).toBeUndefined();

    expect(await environmentsOf(id, "staging")).toEqual(["qa", "staging"]);
    expect(await environmentsOf(id, "production")).toEqual(["production"]);
    const listed = (await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id })).body.data as Array<{ id: string; environments: string[] }>;
    expect(listed.find((v) => v.id === v11)?.environments).toEqual(["qa", "staging"]);
    expect((await server.rest("DELETE", `/v1/prompt-2025/${id}/${v11}`)).status).toBe(409);
  });
});
