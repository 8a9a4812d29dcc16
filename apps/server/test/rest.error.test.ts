// Bad input answers 4xx with a clear message in the `{ data: null, error }` envelope, never a 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
let promptId: string;
let versionId: string;
beforeAll(async () => {
  server = await startTestServer();
  const res = await server.rest("POST", "/v1/prompt-2025", { name: "p", promptBody: sampleBody() });
  ({ id: promptId, versionId } = res.body.data);
});
afterAll(async () => server.stop());

function expectError(res: { status: number; body: any }, status: number, message: RegExp | string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ data: null, error: expect.any(String) });
  if (typeof message === "string") expect(res.body.error).toContain(message);
  else expect(res.body.error).toMatch(message);
}

describe("invalid bodies", () => {
  it("missing fields name the field", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025", { name: "x" }), 400, "promptBody");
    expectError(await server.rest("POST", "/v1/prompt-2025", { promptBody: sampleBody() }), 400, "name");
    expectError(await server.rest("POST", "/v1/prompt-2025/update", { promptId, promptBody: sampleBody() }), 400, "promptVersionId");
  });

  it("wrong types name the field and the expectation", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025", { name: 42, promptBody: sampleBody() }), 400, "name");
    expectError(await server.rest("POST", "/v1/prompt-2025", { name: "x", promptBody: { model: "m", messages: "hi" } }), 400, "messages");
    expectError(
      await server.rest("POST", "/v1/prompt-2025", { name: "x", promptBody: { model: "m", messages: [{ role: "wizard", content: "x" }] } }),
      400,
      "promptBody.messages.0.role",
    );
    expectError(await server.rest("POST", "/v1/prompt-2025", { name: "x", promptBody: { ...sampleBody(), temperature: "hot" } }), 400, "temperature");
    expectError(await server.rest("POST", "/v1/prompt-2025/query", { page: -1 }), 400, "page");
    expectError(await server.rest("POST", "/v1/prompt-2025/query", { pageSize: "ten" }), 400, "pageSize");
    expectError(await server.rest("PATCH", `/v1/prompt-2025/id/${promptId}/tags`, { tags: "a,b" }), 400, "tags");
    expectError(
      await server.rest("POST", "/v1/prompt-2025/update", { promptId, promptVersionId: versionId, newMajorVersion: "yes", promptBody: sampleBody() }),
      400,
      "newMajorVersion",
    );
    expectError(await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: versionId, environment: "bad:env" }), 400, "environment");
  });

  it("NoSQL operators in id fields are refused as input, never reach the database as operators", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: { $gt: "" } }), 400, "promptVersionId");
    expectError(await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: { $ne: null } }), 400, "promptId");
    expectError(await server.rest("POST", "/v1/prompt-2025/query/environment-version", { promptId, environment: { $gt: "" } }), 400, "environment");
  });

  it("malformed JSON is a 400", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025", undefined, { raw: '{"name": "x", ' }), 400, "not valid JSON");
  });

  it("a body that is not JSON is a 400 that says to send JSON", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025", undefined, { raw: "name=x", contentType: "application/x-www-form-urlencoded" }), 400, "Content-Type: application/json");
  });

  it("a body over 1 MB is a 413", async () => {
    const huge = sampleBody({ messages: [{ role: "user", content: "x".repeat(1_100_000) }] });
    expectError(await server.rest("POST", "/v1/prompt-2025", { name: "big", promptBody: huge }), 413, "larger than");
  });

  it("a body nested absurdly deep is a 400", async () => {
    let nested: unknown = "leaf";
    for (let i = 0; i < 200; i++) nested = { n: nested };
    expectError(await server.rest("POST", "/v1/prompt-2025", { name: "deep", promptBody: sampleBody({ extra: nested }) }), 400, "deeper");
  });

  it("a template that cannot compile is a 422", async () => {
    const body = sampleBody({ messages: [{ role: "user", content: "{{hc:n:number}} and {{hc:n:boolean}}" }] });
    const res = await server.rest("POST", "/v1/prompt-2025", { name: "conflict", promptBody: body });
    expectError(res, 422, "invalid prompt template");
  });
});

describe("unknown ids answer 404 whatever their form", () => {
  const unknowns = ["zzzzzz", "00000000-0000-4000-8000-000000000000", "not an id at all", "$where"];
  it.each(unknowns)("%s", async (id) => {
    const enc = encodeURIComponent(id);
    expectError(await server.rest("GET", `/v1/prompt-2025/id/${enc}`), 404, "not found");
    expectError(await server.rest("POST", `/v1/prompt-2025/id/${enc}/rename`, { name: "x" }), 404, "not found");
    expectError(await server.rest("PATCH", `/v1/prompt-2025/id/${enc}/tags`, { tags: [] }), 404, "not found");
    expectError(await server.rest("DELETE", `/v1/prompt-2025/${enc}`), 404, "not found");
    expectError(await server.rest("DELETE", `/v1/prompt-2025/${promptId}/${enc}`), 404, "not found");
    expectError(await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId: id }), 404, "not found");
    expectError(await server.rest("POST", "/v1/prompt-2025/query/version", { promptVersionId: id }), 404, "not found");
    expectError(await server.rest("POST", "/v2/prompt-2025/query/version", { promptVersionId: id }), 404, "not found");
    expectError(await server.rest("POST", "/v1/prompt-2025/query/total-versions", { promptId: id }), 404, "not found");
    expectError(await server.rest("POST", "/v1/prompt-2025/query/production-version", { promptId: id }), 404, "not found");
    expectError(await server.rest("GET", `/v1/prompt-2025/${enc}/prompt-body`), 404, "not found");
    expectError(await server.rest("POST", "/v1/prompt-2025/update", { promptId, promptVersionId: id, promptBody: sampleBody() }), 404, "not found");
    expectError(await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId, promptVersionId: id, environment: "staging" }), 404, "not found");
    expectError(await server.rest("POST", `/v1/prompt/version/${enc}/subversion`, { newHeliconeTemplate: sampleBody() }), 404, "not found");
  });

  it("environment with nothing deployed is a 404 naming it", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025/query/environment-version", { promptId, environment: "qa" }), 404, "qa");
  });

  it("unknown routes are a JSON 404", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025/nope/nope/nope"), 404, "no such endpoint");
  });

  it("an unknown endpoint under /v1, /v2 or /trpc is a 404, even where a parameter pattern would take its words", async () => {
    // `DELETE /v1/prompt-2025/:promptId/:promptVersionId` must not make this a 405 inviting to delete "query".
    for (const [method, path] of [
      ["POST", "/v1/prompt-2025/query/nonsense"],
      ["POST", "/v1/prompt-2025/update/rollouts"],
      ["GET", "/v1/prompt-2025/query/versions/extra"],
      ["POST", "/v2/prompt-2025/query/versions"],
    ] as const) {
      const res = await server.rest(method, path, method === "POST" ? {} : undefined);
      expectError(res, 404, `no such endpoint: ${method} ${path}`);
      expect(res.headers.get("allow"), path).toBeNull();
    }
    // A path that does name a prompt's version (ids of their form) still gets its 405.
    const res = await server.rest("POST", `/v1/prompt-2025/${promptId}/${versionId}`, {});
    expectError(res, 405, "use DELETE");
    const trpc = await fetch(`${server.url}/trpc/prompts.nope`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(trpc.status).toBe(404);
  });
});

describe("legacy endpoint input", () => {
  it("a template string that is not JSON, or not a prompt body, is a 400", async () => {
    expectError(await server.rest("POST", `/v1/prompt/version/${versionId}/subversion`, { newHeliconeTemplate: "{nope" }), 400, "not valid JSON");
    expectError(await server.rest("POST", `/v1/prompt/version/${versionId}/subversion`, { newHeliconeTemplate: { messages: [] } }), 400, "model");
  });
});

describe("found by a new-user pass", () => {
  it("page and pageSize out of range say which rule they break", async () => {
    expectError(await server.rest("POST", "/v1/prompt-2025/query", { pageSize: 5000 }), 400, "pageSize must be at most 1000");
    expectError(await server.rest("POST", "/v1/prompt-2025/query", { pageSize: 0 }), 400, "pageSize must be 1 or more");
    expectError(await server.rest("POST", "/v1/prompt-2025/query/versions", { promptId, page: -1 }), 400, "page must be 0 or more");
  });

  it("removing production from an unknown prompt or version is a 404, as any unknown id", async () => {
    const unknown = { promptId: "ZZZZZZ", promptVersionId: "00000000-0000-4000-8000-000000000000", environment: "production" };
    expectError(await server.rest("POST", "/v1/prompt-2025/remove/environment", unknown), 404, "not found");
    expectError(await server.rest("POST", "/v1/prompt-2025/remove/environment", { promptId, promptVersionId: versionId, environment: "production" }), 400, "move it");
  });

  it("a wrong method on a known path is a 405 naming the allowed ones", async () => {
    const res = await server.rest("POST", "/v1/me", {});
    expectError(res, 405, "POST is not allowed on /v1/me; use GET or HEAD");
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const put = await server.rest("PUT", `/v1/prompt-2025/id/${promptId}/tags`, { tags: ["x"] });
    expectError(put, 405, "use PATCH");
    expectError(await server.rest("POST", "/v1/no-such-thing", {}), 404, "no such endpoint");
  });

  it("double slashes (a base URL with a trailing slash) reach the route", async () => {
    for (const path of ["//v1/prompt-2025/query/production-version", "//v1/prompt-2025/query/versions", "///v2/prompt-2025/query/production-version"]) {
      const res = await server.rest("POST", path, { promptId });
      expect(res.status, path).toBe(200);
    }
    expect((await server.rest("GET", "//v1/prompt-2025/count")).body.data).toBeGreaterThan(0);
  });

  it("a UTF-8 byte order mark before the JSON is skipped on every path", async () => {
    const raw = `\ufeff${JSON.stringify({ promptId })}`;
    for (const path of ["/v1/prompt-2025/query/production-version", "/v2/prompt-2025/query/production-version", "/v1/prompt-2025/query/versions"]) {
      expect((await server.rest("POST", path, undefined, { raw })).status, path).toBe(200);
    }
  });
});
