// Authentication, key management and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

describe("authentication", () => {
  it("a missing key is a 401 that says how to send one", async () => {
    const res = await server.rest("GET", "/v1/prompt-2025/count", undefined, { key: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ data: null, error: expect.stringContaining("Authorization: Bearer") });
  });

  it("an unknown key is a 401", async () => {
    const res = await server.rest("GET", "/v1/prompt-2025/count", undefined, { key: "prk_wrong" });
    expect(res.status).toBe(401);
    expect(res.body.error).toContain("invalid");
  });

  it("a malformed header is a 401", async () => {
    const res = await fetch(`${server.url}/v1/prompt-2025/count`, { headers: { authorization: "Basic abc" } });
    expect(res.status).toBe(401);
  });

  it("tRPC answers UNAUTHORIZED without a key", async () => {
    await expect(server.trpc("nope").prompts.count.query()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED", httpStatus: 401 } });
  });
});

describe("API keys", () => {
  it("are stored hashed, work at once, and stop working when revoked", async () => {
    const created = await server.rest("POST", "/v1/api-keys", { name: "ci", role: "member" });
    expect(created.status).toBe(201);
    const { key, secret } = created.body.data;
    expect(secret).toMatch(/^prk_/);
    expect(key).toMatchObject({ name: "ci", role: "member", revokedAt: null, prefix: secret.slice(0, 10) });

    const stored = await (await server.rawDb()).collection("api_keys").findOne({ _id: key.id });
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored?.["hash"]).toMatch(/^[0-9a-f]{64}$/);

    expect((await server.rest("GET", "/v1/prompt-2025/count", undefined, { key: secret })).status).toBe(200);
    const listed = await server.rest("GET", "/v1/api-keys");
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(key.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    expect((await server.rest("DELETE", `/v1/api-keys/${key.id}`)).body).toEqual({ data: null, error: null });
    expect((await server.rest("GET", "/v1/prompt-2025/count", undefined, { key: secret })).status).toBe(401);
    // Revoking again succeeds (idempotent; the key is still listed, as revoked); an unknown key is a 404.
    expect((await server.rest("DELETE", `/v1/api-keys/${key.id}`)).body).toEqual({ data: null, error: null });
    expect((await server.rest("GET", "/v1/prompt-2025/count", undefined, { key: secret })).status).toBe(401);
    expect((await server.rest("DELETE", "/v1/api-keys/key_does_not_exist")).status).toBe(404);
  });

  it("GET /v1/me says who the key is, for admins, members and the bootstrap key", async () => {
    expect((await server.rest("GET", "/v1/me")).body.data).toEqual({
      organization: { id: "default", name: "Default organization", createdAt: expect.any(String) },
      key: null,
      role: "admin",
      instanceAdmin: true,
    });
    const { key, secret } = (await server.rest("POST", "/v1/api-keys", { name: "reader" })).body.data;
    const me = await server.rest("GET", "/v1/me", undefined, { key: secret });
    expect(me.body.data).toMatchObject({ organization: { id: "default" }, key: { id: key.id, name: "reader", role: "member" }, role: "member", instanceAdmin: false });
    expect(await server.trpc(secret).apiKeys.me.query()).toEqual(me.body.data);
  });

  it("member keys may not manage keys or organizations (403)", async () => {
    const { secret } = (await server.rest("POST", "/v1/api-keys", { name: "member" })).body.data;
    const res = await server.rest("POST", "/v1/api-keys", { name: "escalate", role: "admin" }, { key: secret });
    expect(res.status).toBe(403);
    expect(res.body.error).toContain("admin");
    expect((await server.rest("POST", "/v1/organizations", { name: "x" }, { key: secret })).status).toBe(403);
  });

  it("an organization's own admin key may not create organizations", async () => {
    const other = await server.createOrg();
    expect((await server.rest("POST", "/v1/organizations", { name: "x" }, { key: other.key })).status).toBe(403);
  });
});

describe("tenant isolation", () => {
  it("another organization's prompt and versions are 404 everywhere, exactly as unknown ids", async () => {
    const mine = (await server.rest("POST", "/v1/prompt-2025", { name: "secret prompt", tags: ["private"], promptBody: sampleBody() })).body.data;
    const other = await server.createOrg("intruders");
    const as = { key: other.key };
    const calls: Array<[string, string, unknown?]> = [
      ["GET", `/v1/prompt-2025/id/${mine.id}`],
      ["POST", `/v1/prompt-2025/id/${mine.id}/rename`, { name: "pwned" }],
      ["PATCH", `/v1/prompt-2025/id/${mine.id}/tags`, { tags: ["pwned"] }],
      ["POST", "/v1/prompt-2025/query/versions", { promptId: mine.id }],
      ["POST", "/v1/prompt-2025/query/version", { promptVersionId: mine.versionId }],
      ["POST", "/v2/prompt-2025/query/version", { promptVersionId: mine.versionId }],
      ["POST", "/v1/prompt-2025/query/total-versions", { promptId: mine.id }],
      ["POST", "/v1/prompt-2025/query/production-version", { promptId: mine.id }],
      ["POST", "/v2/prompt-2025/query/production-version", { promptId: mine.id }],
      ["POST", "/v1/prompt-2025/query/environment-version", { promptId: mine.id, environment: "production" }],
      ["GET", `/v1/prompt-2025/${mine.versionId}/prompt-body`],
      ["POST", "/v1/prompt-2025/update", { promptId: mine.id, promptVersionId: mine.versionId, promptBody: sampleBody() }],
      ["POST", "/v1/prompt-2025/update/environment", { promptId: mine.id, promptVersionId: mine.versionId, environment: "staging" }],
      ["POST", "/v1/prompt-2025/remove/environment", { promptId: mine.id, promptVersionId: mine.versionId, environment: "staging" }],
      ["POST", `/v1/prompt/version/${mine.versionId}/subversion`, { newHeliconeTemplate: sampleBody() }],
      ["DELETE", `/v1/prompt-2025/${mine.id}/${mine.versionId}`],
      ["DELETE", `/v1/prompt-2025/${mine.id}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await server.rest(method, path, body, as);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.data).toBeNull();
    }
    // Listings do not show it either.
    expect((await server.rest("POST", "/v1/prompt-2025/query", {}, as)).body.data).toEqual([]);
    expect((await server.rest("GET", "/v1/prompt-2025/count", undefined, as)).body.data).toBe(0);
    expect((await server.rest("GET", "/v1/prompt-2025/tags", undefined, as)).body.data).toEqual([]);
    expect((await server.rest("GET", "/v1/prompt-2025/environments", undefined, as)).body.data).toEqual([]);
    // And nothing changed for the owner.
    const still = await server.rest("GET", `/v1/prompt-2025/id/${mine.id}`);
    expect(still.body.data).toMatchObject({ name: "secret prompt", tags: ["private"] });
    expect((await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: mine.id })).body.data).toHaveLength(1);
  });

  it("tRPC answers NOT_FOUND for another organization's prompt", async () => {
    const mine = (await server.rest("POST", "/v1/prompt-2025", { name: "p", promptBody: sampleBody() })).body.data;
    const other = await server.createOrg();
    await expect(server.trpc(other.key).prompts.byId.query({ promptId: mine.id })).rejects.toMatchObject({
      data: { code: "NOT_FOUND", httpStatus: 404 },
    });
  });
});

describe("responses carry no internals", () => {
  it("errors have no stack traces", async () => {
    const res = await server.rest("POST", "/v1/prompt-2025", undefined, { raw: "{bad" });
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
    const trpc = await fetch(`${server.url}/trpc/prompts.byId?input=${encodeURIComponent(JSON.stringify({ promptId: "nope" }))}`, {
      headers: { authorization: "Bearer test-bootstrap-key-0123456789" },
    });
    const text = await trpc.text();
    expect(trpc.status).toBe(404);
    expect(text).not.toContain("stack");
  });

  it("security headers are set", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });
});

describe("operator endpoints", () => {
  it("GET /metrics wants the metrics token when one is configured (no API key opens it)", async () => {
    const guarded = await startTestServer({ PROMPTREG_METRICS_TOKEN: "metrics-token-0123456789" });
    try {
      const scrape = (authorization?: string) => fetch(`${guarded.url}/metrics`, { headers: authorization ? { authorization } : {} });
      for (const authorization of [undefined, "Bearer wrong", `Bearer ${ADMIN_KEY}`, "metrics-token-0123456789"]) {
        const refused = await scrape(authorization);
        expect(refused.status, String(authorization)).toBe(401);
        expect(await refused.json()).toEqual({ data: null, error: "GET /metrics needs 'Authorization: Bearer <token>'" });
      }
      const allowed = await scrape("Bearer metrics-token-0123456789");
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain("promptreg_http_request_duration_seconds");
      // Health and readiness stay open for probes.
      expect((await fetch(`${guarded.url}/readyz`)).status).toBe(200);
    } finally {
      await guarded.stop();
    }
    // Without a token it is open (scraped on an internal network), as before.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
  });
});

describe("signed body URLs", () => {
  it("rotate PROMPTREG_SIGNING_SECRET without breaking URLs in flight; a dropped secret no longer opens anything", { timeout: 120_000 }, async () => {
    const [old, next] = ["old-signing-secret-".padEnd(40, "o"), "new-signing-secret-".padEnd(40, "n")];
    const replica = (secrets: string) => startTestServer({ MONGODB_DB: `${server.dbName}_rot`, PROMPTREG_SIGNING_SECRET: secrets });
    const urlOf = async (s: TestServer, versionId: string) =>
      ((await s.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: versionId })).body.data as { s3_url: string }).s3_url;
    const fetchBody = async (s: TestServer, url: string) => (await fetch(`${s.url}${new URL(url).pathname}${new URL(url).search}`)).status;

    const before = await replica(old);
    const { versionId } = (await before.rest("POST", "/v1/prompt-2025", { name: "signed", promptBody: sampleBody() })).body.data;
    const inFlight = await urlOf(before, versionId);
    expect(await fetchBody(before, inFlight)).toBe(200);
    await before.stop();

    // Rotated: the new secret signs, the old one still verifies what it signed.
    const rotating = await replica(`${next},${old}`);
    try {
      expect(await fetchBody(rotating, inFlight)).toBe(200);
      const fresh = await urlOf(rotating, versionId);
      expect(new URL(fresh).searchParams.get("signature")).not.toBe(new URL(inFlight).searchParams.get("signature"));
      expect(await fetchBody(rotating, fresh)).toBe(200);
    } finally {
      await rotating.stop();
    }

    // The old secret retired: what it signed is refused, what the new one signed is not.
    const retired = await replica(next);
    try {
      expect(await fetchBody(retired, inFlight)).toBe(403);
      expect(await fetchBody(retired, await urlOf(retired, versionId))).toBe(200);
    } finally {
      await retired.stop();
    }
  });
});
