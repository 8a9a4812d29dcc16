// The OpenAPI document: valid OpenAPI 3.1, in step with the routes the app really mounts (both ways), and
// true to what the server answers (real answers validated against the document's schemas with Ajv).
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import type { Express } from "express";
import type { OpenAPIObject, ReferenceObject, ResponseObject } from "openapi3-ts/oas31";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { parseConfig } from "../src/config.js";
import { createProviderRouter } from "../src/gateway/providers/router.js";
import { createLogger } from "../src/logger.js";
import { toOpenApiPath } from "../src/openapi/document.js";
import { restRoutes } from "../src/rest/index.js";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

// ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
const addFormats = ajvFormats.default;

let fake: FakeLlm;
let server: TestServer;
let doc: OpenAPIObject;

beforeAll(async () => {
  fake = await startFakeLlm();
  server = await startTestServer({ OPENAI_BASE_URL: fake.baseUrl });
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as OpenAPIObject;
});
afterAll(async () => {
  await server.stop();
  await fake.close();
});

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const documented = () =>
  Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );

describe("the document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("has JSON Schemas Ajv compiles in strict mode, and unique operation ids", () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    // The components as $defs of one schema, so their references resolve without OpenAPI's keywords around them.
    const $defs = JSON.parse(JSON.stringify(doc.components?.schemas ?? {}).replaceAll("#/components/schemas/", "#/$defs/")) as object;
    for (const name of Object.keys($defs)) {
      expect(() => ajv.compile({ $defs, $ref: `#/$defs/${name}` }), name).not.toThrow();
    }
    const ids = Object.values(doc.paths ?? {}).flatMap((item) =>
      METHODS.map((m) => (item as Record<string, { operationId?: string } | undefined>)[m]?.operationId).filter(Boolean),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is served without a key, and built once (the same bytes every time)", async () => {
    const [a, b] = await Promise.all([fetch(`${server.url}/openapi.json`), fetch(`${server.url}/openapi.json`)]);
    expect(a.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await a.text()).toBe(await b.text());
  });

  it("describes every REST route of the table with its body and answer, in {param} form", () => {
    for (const route of restRoutes) {
      const operation = (doc.paths?.[toOpenApiPath(route.path)] as Record<string, any> | undefined)?.[route.method];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.summary).toBe(route.summary);
      expect(Boolean(operation.requestBody)).toBe(Boolean(route.body));
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining([String(route.status ?? 200), "400", "401", "403", "404", "409", "413", "422", "503"]),
      );
    }
    expect(Object.keys(doc.paths ?? {}).some((p) => p.includes(":"))).toBe(false);
  });

  it("marks the key as required except on the public endpoints", () => {
    expect(doc.components?.securitySchemes?.["bearerAuth"]).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    const publicOps = documented().filter((op) => {
      const [method, path] = op.split(" ") as [string, string];
      return (doc.paths![path] as Record<string, any>)[method.toLowerCase()].security?.length === 0;
    });
    expect(publicOps.sort()).toEqual(
      ["GET /docs", "GET /healthz", "GET /metrics", "GET /openapi.json", "GET /readyz", "GET /v1/prompt-body/{versionId}"].sort(),
    );
  });
});

/** Every `METHOD path` the Express app mounts, found by walking its router stack. */
function mountedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = layer.route.path as unknown;
        for (const method of Object.keys(layer.route.methods as object)) found.push(`${method.toUpperCase()} ${prefix}${String(path)}`);
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = layer.rawPath as unknown;
        if (typeof mount !== "string") throw new Error(`a router mounted at ${String(mount)}: teach this walk about it`);
        walk(layer.handle.stack, mount === "/" ? prefix : `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: unknown[] } }).router.stack, "");
  return found;
}

describe("the document and the app agree", () => {
  it("documents every route the app mounts, and nothing it does not", async () => {
    // Without the dashboard's build: its page is not part of the API (and exists only once it is built).
    const config = parseConfig({ MONGODB_URI: "mongodb://127.0.0.1:1", PROMPTREG_API_KEY: ADMIN_KEY, PROMPTREG_DASHBOARD_DIR: "/nonexistent" });
    const providers = createProviderRouter(config.providers);
    const app = createApp({ config, services: server.services, database: server.database, logger: createLogger("silent"), providers });
    await providers.close();
    const mounted = [...new Set(mountedRoutes(app).map((r) => r.replace(/:(\w+)/g, "{$1}")))].sort();
    expect(mounted.length).toBeGreaterThan(restRoutes.length);
    expect(documented().sort()).toEqual(mounted);
  });
});

describe("real answers match the document", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();

  /** The JSON schema the document gives for this answer. */
  function validatorFor(method: string, path: string, status: number): ValidateFunction {
    const key = `${method} ${path} ${status}`;
    let validate = validators.get(key);
    if (!validate) {
      if (!ajv.getSchema("openapi")) ajv.addSchema(doc, "openapi");
      const operation = (doc.paths?.[path] as Record<string, any> | undefined)?.[method];
      expect(operation, `${method} ${path} is documented`).toBeDefined();
      const declared = operation.responses[String(status)] as ResponseObject | ReferenceObject | undefined;
      expect(declared, `${key} is documented`).toBeDefined();
      const response: ResponseObject | undefined =
        declared && "$ref" in declared ? (doc.components?.responses?.[declared.$ref.split("/").pop()!] as ResponseObject) : declared;
      expect(response?.content?.["application/json"]?.schema, `${key} has a JSON schema`).toBeDefined();
      const pointer = `/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${status}`;
      const viaRef = operation.responses[String(status)].$ref as string | undefined;
      const schemaRef = viaRef ? `openapi${viaRef}/content/application~1json/schema` : `openapi#${pointer}/content/application~1json/schema`;
      validate = ajv.compile({ $ref: schemaRef });
      validators.set(key, validate);
    }
    return validate;
  }

  async function expectConforms(method: string, path: string, url: string, init: { body?: unknown; key?: string | null } = {}) {
    const headers: Record<string, string> = {};
    if (init.key !== null) headers["authorization"] = `Bearer ${init.key ?? ADMIN_KEY}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${server.url}${url}`, {
      method: method.toUpperCase(),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const body: unknown = await response.json();
    const validate = validatorFor(method, path, response.status);
    expect(validate(body), `${method.toUpperCase()} ${url} ${response.status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body)}`).toBe(true);
    return { status: response.status, body: body as any };
  }

  it("registry calls, success and errors", async () => {
    const P = "/v1/prompt-2025";
    const created = await expectConforms("post", P, P, { body: { name: "openapi", tags: ["a"], promptBody: sampleBody() } });
    expect(created.status).toBe(201);
    const { id, versionId } = created.body.data as { id: string; versionId: string };

    await expectConforms("get", `${P}/id/{promptId}`, `${P}/id/${id}`);
    await expectConforms("post", `${P}/query`, `${P}/query`, { body: {} });
    await expectConforms("get", `${P}/count`, `${P}/count`);
    await expectConforms("get", `${P}/tags`, `${P}/tags`);
    await expectConforms("post", `${P}/id/{promptId}/rename`, `${P}/id/${id}/rename`, { body: { name: "renamed" } });
    const update = await expectConforms("post", `${P}/update`, `${P}/update`, {
      body: { promptId: id, promptVersionId: versionId, newMajorVersion: false, commitMessage: "two", promptBody: sampleBody(), environment: "staging" },
    });
    await expectConforms("post", `${P}/query/versions`, `${P}/query/versions`, { body: { promptId: id } });
    await expectConforms("post", `${P}/query/total-versions`, `${P}/query/total-versions`, { body: { promptId: id } });
    await expectConforms("post", "/v2/prompt-2025/query/production-version", "/v2/prompt-2025/query/production-version", { body: { promptId: id } });
    await expectConforms("get", `${P}/{promptVersionId}/prompt-body`, `${P}/${versionId}/prompt-body`);
    await expectConforms("get", "/v1/deployments", "/v1/deployments");
    await expectConforms("delete", `${P}/{promptId}/{promptVersionId}`, `${P}/${id}/${update.body.data.id as string}`); // 409: staging points at it

    const version = await expectConforms("post", `${P}/query/version`, `${P}/query/version`, { body: { promptVersionId: versionId } });
    const signed = new URL(version.body.data.s3_url as string);
    await expectConforms("get", "/v1/prompt-body/{versionId}", `${signed.pathname}${signed.search}`, { key: null });
    await expectConforms("get", "/v1/prompt-body/{versionId}", `${signed.pathname}?expires=1&signature=bad`, { key: null });

    // Errors: 404, 401, 400, 409 in the error envelope.
    expect((await expectConforms("get", `${P}/id/{promptId}`, `${P}/id/nope00`)).status).toBe(404);
    expect((await expectConforms("get", `${P}/count`, `${P}/count`, { key: "wrong-key-0123456789" })).status).toBe(401);
    expect((await expectConforms("post", `${P}/query`, `${P}/query`, { body: { page: -1 } })).status).toBe(400);
    expect((await expectConforms("get", "/v1/deployments", "/v1/deployments?since=never")).status).toBe(400);
  });

  it("service endpoints and the gateway", async () => {
    await expectConforms("get", "/healthz", "/healthz", { key: null });
    await expectConforms("get", "/readyz", "/readyz", { key: null });
    const P = "/v1/prompt-2025";
    const { id } = (await server.rest("POST", P, { name: "gw", promptBody: sampleBody() })).body.data as { id: string };
    const ok = await expectConforms("post", "/v1/chat/completions", "/v1/chat/completions", {
      body: { prompt_id: id, inputs: { company: "Acme", customer: "Ann", question: "Hi?" } },
    });
    expect(ok.status).toBe(200);
    expect((await expectConforms("post", "/v1/chat/completions", "/v1/chat/completions", { body: { prompt_id: id, inputs: {} } })).status).toBe(400);
    expect((await expectConforms("post", "/v1/chat/completions", "/v1/chat/completions", { body: { prompt_id: "nope00" } })).status).toBe(404);
    expect((await expectConforms("post", "/v1/chat/completions", "/v1/chat/completions", { body: {}, key: "bad-key-0123456789" })).status).toBe(401);
    const passThrough = await expectConforms("post", "/v1/chat/completions", "/v1/chat/completions", {
      body: { model: "m", messages: [{ role: "user", content: "hello" }] },
    });
    expect(passThrough.status).toBe(200);
  });
});

describe("interactive docs", () => {
  it("serves Swagger UI from this server, under a CSP that allows only its own script", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-eval/);
    // Every script and stylesheet comes from this server; nothing from a CDN.
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(2);
    for (const url of urls) {
      expect(url.startsWith("/")).toBe(true);
      const asset = await fetch(`${server.url}${url}`);
      expect(asset.status, url).toBe(200);
      await asset.arrayBuffer();
    }
    expect(html).toContain('url: "/openapi.json"');
    expect(html).toContain("validatorUrl: null");
    // Only the files the page uses: swagger-ui-dist's own index.html would load a demo API from the internet.
    expect((await fetch(`${server.url}/docs/assets/index.html`)).status).toBe(404);
    expect((await fetch(`${server.url}/docs/assets/swagger-initializer.js`)).status).toBe(404);
  });
});
