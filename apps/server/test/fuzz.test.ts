// Property-based HTTP fuzzing of every operation in /openapi.json (the same document schemathesis reads,
// see scripts/schemathesis.sh), in the test suite: requests are generated from each operation's JSON
// Schemas, then mutated with hostile values (operators, prototype keys, wrong types, huge and deep values,
// odd path ids, bad keys and content types). Every answer must be a documented status, never a 5xx, with
// a JSON error body that holds no stack trace. Seeded, so a run is repeatable: FUZZ_SEED / FUZZ_RUNS vary it.
import { maxHeaderSize } from "node:http";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

 
type Schema = Record<string, any>;

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261129);
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 2400);

let server: TestServer;
let upstream: FakeLlm;
let doc: Schema;
const ids = { promptId: "", versionId: "", memberKey: "" };

beforeAll(async () => {
  upstream = await startFakeLlm();
  // A limit far above the run's request count: the fuzzer must see the API's answers, not 429s.
  server = await startTestServer({ OPENAI_BASE_URL: upstream.baseUrl, PROMPTREG_RATE_LIMIT_PER_MINUTE: "1000000" });
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Schema;
  const created = await server.rest("POST", "/v1/prompt-2025", { name: "fuzzed", tags: ["fuzz"], promptBody: sampleBody() });
  ids.promptId = created.body.data.id;
  ids.versionId = created.body.data.versionId;
  ids.memberKey = (await server.rest("POST", "/v1/api-keys", { name: "fuzz member", role: "member" })).body.data.secret;
});
afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

/** Values that must never reach the database as anything but data, nor crash a handler. */
const hostile = fc.constantFrom<unknown>(
  { $gt: "" },
  { $ne: null },
  { $where: "sleep(1000)" },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: { polluted: true } } },
  "__proto__",
  "constructor",
  "",
  " ",
  "x".repeat(70_000),
  "\u0000",
  "\ud800",
  "😀".repeat(50),
  "{{hc:x:string}}",
  -1,
  0,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  3.5,
  true,
  null,
  [],
  JSON.parse("[".repeat(40) + "]".repeat(40)),
  {},
);

function resolveRef(schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; current["$ref"] && hops < 20; hops++) {
    const path = String(current["$ref"]).replace(/^#\//, "").split("/");
    current = path.reduce<Schema>((node, part) => node[part], doc);
  }
  return current;
}

/** A value of the schema (valid-looking), with some chance of a hostile value at any level. */
function valueOf(input: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!input || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  const schema = resolveRef(input);
  const alternatives = schema["anyOf"] ?? schema["oneOf"];
  let arbitrary: fc.Arbitrary<unknown>;
  if (alternatives) arbitrary = fc.oneof(...(alternatives as Schema[]).map((s) => valueOf(s, depth + 1)));
  else if ("const" in schema) arbitrary = fc.constant(schema["const"]);
  else if (schema["enum"]) arbitrary = fc.constantFrom(...(schema["enum"] as unknown[]));
  else {
    const type = Array.isArray(schema["type"]) ? schema["type"][0] : schema["type"];
    switch (type) {
      case "object": {
        const properties = (schema["properties"] ?? {}) as Record<string, Schema>;
        const required = new Set<string>(schema["required"] ?? []);
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, property] of Object.entries(properties)) record[name] = idLike(name) ?? valueOf(property, depth + 1);
        const keys = Object.keys(record);
        arbitrary = fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
        if (keys.length === 0) arbitrary = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
        break;
      }
      case "array":
        arbitrary = fc.array(valueOf(schema["items"], depth + 1), { maxLength: 4 });
        break;
      case "string":
        arbitrary = fc.string({ minLength: schema["minLength"] ?? 0, maxLength: Math.min(schema["maxLength"] ?? 24, 24) });
        break;
      case "integer":
        arbitrary = fc.integer({ min: schema["minimum"] ?? -5, max: Math.min(schema["maximum"] ?? 100, 1e6) });
        break;
      case "number":
        arbitrary = fc.double({ min: schema["minimum"] ?? -5, max: schema["maximum"] ?? 100, noNaN: true });
        break;
      case "boolean":
        arbitrary = fc.boolean();
        break;
      case "null":
        arbitrary = fc.constant(null);
        break;
      default:
        arbitrary = fc.jsonValue({ maxDepth: 2 });
    }
  }
  return fc.oneof({ arbitrary, weight: 9 }, { arbitrary: hostile, weight: 1 });
}

/** Id fields get the seeded ids most of the time, so requests get past "not found" into the handlers. */
function idLike(name: string): fc.Arbitrary<unknown> | undefined {
  const known = name === "promptId" || name === "prompt_id" ? ids.promptId : /versionId$|version_id$|VersionId$/.test(name) ? ids.versionId : undefined;
  if (known === undefined) return undefined;
  return fc.oneof({ arbitrary: fc.constant(known), weight: 6 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 }, { arbitrary: hostile, weight: 2 });
}

interface Operation {
  method: string;
  path: string;
  spec: Schema;
}

const operations = (): Operation[] =>
  Object.entries(doc["paths"] as Record<string, Schema>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ["get", "post", "patch", "delete", "put"].includes(method))
      // The change stream never ends by design; its errors are covered in deployments-stream.test.ts.
      .filter(() => path !== "/v1/deployments/stream")
      .map(([method, spec]) => ({ method: method.toUpperCase(), path, spec: spec as Schema })),
  );

const pathValue = (name: string) =>
  fc.oneof(
    { arbitrary: fc.constant(/version/i.test(name) ? ids.versionId : name === "promptId" ? ids.promptId : "x"), weight: 5 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 2 },
    { arbitrary: fc.constantFrom('{"$gt":""}', "__proto__", "constructor", "..%2F..", "%00", "a".repeat(2000), "😀"), weight: 2 },
  );

interface GeneratedRequest {
  operation: Operation;
  path: string;
  query: string;
  auth: string | null;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  body: string | Buffer | undefined;
}

function requestFor(operation: Operation): fc.Arbitrary<GeneratedRequest> {
  const parameters = ((operation.spec["parameters"] ?? []) as Schema[]).map(resolveRef);
  const pathParams = parameters.filter((p) => p["in"] === "path");
  const queryParams = parameters.filter((p) => p["in"] === "query");
  const bodySchema = operation.spec["requestBody"]?.content?.["application/json"]?.schema as Schema | undefined;
  return fc.record({
    pathValues: fc.tuple(...pathParams.map((p) => pathValue(String(p["name"])))),
    queryValues: fc.tuple(...queryParams.map((p) => fc.option(valueOf(p["schema"]), { nil: undefined }))),
    auth: fc.constantFrom<string | null>(ADMIN_KEY, ADMIN_KEY, ADMIN_KEY, ids.memberKey, null, "prk_not_a_key", "Basic abc"),
    contentType: fc.constantFrom<string | undefined>("application/json", "application/json", "application/json", "text/plain", undefined),
    body: bodySchema ? fc.oneof({ arbitrary: valueOf(bodySchema), weight: 8 }, { arbitrary: fc.string({ maxLength: 20 }), weight: 1 }) : fc.constant(undefined),
    rawBody: fc.constantFrom<string | undefined>(undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, "{", '{"a":'),
    // Compressed bodies take another path through the body parsers; "corrupt" claims gzip and is not.
    encoding: fc.constantFrom<Encoding | undefined>(undefined, undefined, undefined, undefined, undefined, undefined, "gzip", "deflate", "br", "corrupt", "compress"),
  }).map(({ pathValues, queryValues, auth, contentType, body, rawBody, encoding }) => {
    let path = operation.path;
    pathParams.forEach((p, i) => (path = path.replace(`{${p["name"]}}`, encode(String(pathValues[i])))));
    const query = queryParams
      .map((p, i) => (queryValues[i] === undefined ? "" : `${encode(String(p["name"]))}=${encode(typeof queryValues[i] === "string" ? (queryValues[i]) : JSON.stringify(queryValues[i]))}`))
      .filter(Boolean)
      .join("&");
    const text = rawBody ?? (body === undefined ? undefined : typeof body === "string" && Math.abs(body.length % 7) === 3 ? body : JSON.stringify(body));
    const authorization = auth === null ? null : auth.startsWith("Basic") ? auth : `Bearer ${auth}`;
    const sent = operation.method === "GET" || text === undefined ? undefined : text;
    return {
      operation,
      path,
      query,
      auth: authorization,
      contentType: sent === undefined ? undefined : contentType,
      contentEncoding: sent === undefined ? undefined : encoding === "corrupt" ? "gzip" : encoding,
      body: sent === undefined ? undefined : encoding === undefined ? sent : compressors[encoding](Buffer.from(sent)),
    };
  });
}

type Encoding = "gzip" | "deflate" | "br" | "corrupt" | "compress";
const compressors: Record<Encoding, (raw: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
  corrupt: (raw) => raw,
  compress: (raw) => raw,
};

/** encodeURIComponent, with lone surrogates (which it refuses) replaced. */
const encode = (value: string) => encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));

const STACK_TRACE = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+|MongoServerError|TypeError|ReferenceError/;

describe("fuzzing every documented operation", () => {
  it(`${RUNS} generated requests: no 5xx, documented statuses, JSON errors without internals`, async () => {
    const all = operations();
    expect(all.length).toBeGreaterThan(30);
    const seen = new Map<string, Map<number, number>>();
    const arbitrary = fc.oneof(...all.map((operation) => requestFor(operation)));

    await fc.assert(
      fc.asyncProperty(arbitrary, async (request) => {
        const headers: Record<string, string> = {};
        if (request.auth) headers["authorization"] = request.auth;
        if (request.contentType) headers["content-type"] = request.contentType;
        if (request.contentEncoding) headers["content-encoding"] = request.contentEncoding;
        const url = `${server.url}${request.path}${request.query ? `?${request.query}` : ""}`;
        const response = await fetch(url, { method: request.operation.method, headers, body: request.body, redirect: "manual" });
        const text = await response.text();
        const label = `${request.operation.method} ${request.operation.path}`;
        const byStatus = seen.get(label) ?? new Map<number, number>();
        byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
        seen.set(label, byStatus);

        const context = `${label} -> ${response.status}: ${text.slice(0, 300)}\nrequest: ${JSON.stringify({ ...request, operation: undefined }).slice(0, 600)}`;
        expect(response.status, context).toBeLessThan(500);
        // Node's HTTP parser answers a request line past its limit (16 KB) before any route: JSON too.
        const documented = [...Object.keys(request.operation.spec["responses"] ?? {}), ...(url.length > maxHeaderSize ? ["431"] : [])];
        expect(documented, context).toContain(String(response.status));
        if (response.status >= 400) {
          expect(text, context).not.toMatch(STACK_TRACE);
          const body = JSON.parse(text) as { error?: unknown; data?: unknown };
          // REST: { data: null, error: "..." }; the gateway: OpenAI's { error: { message } }.
          const message = typeof body.error === "string" ? body.error : (body.error as { message?: unknown } | undefined)?.message;
          expect(typeof message, context).toBe("string");
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );

    // The run reached every operation and got past authentication and validation into the handlers.
    expect(seen.size).toBe(all.length);
    const successes = [...seen.values()].reduce((n, statuses) => n + [...statuses].filter(([s]) => s < 300).reduce((m, [, c]) => m + c, 0), 0);
    expect(successes).toBeGreaterThan(RUNS / 10);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  }, 300_000);
});
