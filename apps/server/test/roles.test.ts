// Key roles and protected environments (issue 14), driven by the route tables as the tenancy test is: every
// REST route of `restRoutes` and every procedure of the app router must have its minimum role in the tables
// below (the test fails for a route that is missing). For each one, a key of the role just below is refused
// with 403 naming the role needed, and nothing stored changes; a key of the role needed succeeds. Then the
// rules the tables cannot show: protected vs unprotected moves, legacy member keys, runtime keys on the
// fetch paths and the gateway, key creation, protection changes on this replica and on a second one.
import { API_KEY_ROLES, type TApiKeyRole } from "@promptreg/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restRoutes } from "../src/rest/index.js";
import { hashApiKey } from "../src/services/ids.js";
import { ADMIN_KEY, sampleBody, startTestServer, startTestServerWithFakeLlm, type TestServer, type TestServerWithLlm } from "../src/testing/index.js";
import { appRouter } from "../src/trpc/root.js";

/** A role of the organization's keys, or `instance`: only the bootstrap key (creating organizations). */
type Need = TApiKeyRole | "instance";

/** Values a route's request is made of: a fresh prompt per route, so what one route changes no other sees. */
interface Fixture {
  promptId: string;
  /** 1.0, production points at it. */
  v10: string;
  /** 1.1, staging points at it. */
  v11: string;
  /** 1.2, no environment: deletable. */
  v12: string;
  /** A member key of the organization, to revoke. */
  keyId: string;
}

interface RestCall {
  path?: string;
  body?: unknown;
}

const P = "/v1/prompt-2025";

/**
 * Minimum role of every REST route, and a request that succeeds with it. `staging` is unprotected,
 * `production` protected (the default); protected moves are tested apart, below.
 */
const REST: Record<string, { need: Need; call: (f: Fixture) => RestCall }> = {
  [`POST ${P}`]: { need: "member", call: () => ({ body: { name: "created", promptBody: sampleBody() } }) },
  [`POST ${P}/query`]: { need: "member", call: () => ({ body: {} }) },
  [`GET ${P}/id/:promptId`]: { need: "member", call: () => ({}) },
  [`POST ${P}/id/:promptId/rename`]: { need: "member", call: () => ({ body: { name: "renamed" } }) },
  [`PATCH ${P}/id/:promptId/tags`]: { need: "member", call: () => ({ body: { tags: ["t"] } }) },
  [`DELETE ${P}/:promptId`]: { need: "deployer", call: () => ({}) },
  [`GET ${P}/tags`]: { need: "member", call: () => ({}) },
  [`GET ${P}/count`]: { need: "member", call: () => ({}) },
  [`GET ${P}/environments`]: { need: "member", call: () => ({}) },
  [`POST ${P}/update/environment`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId, promptVersionId: f.v12, environment: "staging" } }) },
  [`POST ${P}/remove/environment`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId, promptVersionId: f.v11, environment: "staging" } }) },
  [`GET ${P}/environments/protected`]: { need: "runtime", call: () => ({}) },
  [`POST ${P}/environments/protected`]: { need: "admin", call: () => ({ body: { environment: "audit", protected: true } }) },
  [`POST ${P}/update`]: {
    need: "member",
    call: (f) => ({ body: { promptId: f.promptId, promptVersionId: f.v10, promptBody: sampleBody(), environment: "staging" } }),
  },
  [`POST ${P}/query/versions`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId } }) },
  [`POST ${P}/query/version`]: { need: "runtime", call: (f) => ({ body: { promptVersionId: f.v10 } }) },
  [`POST ${P}/query/total-versions`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId } }) },
  [`POST ${P}/query/production-version`]: { need: "runtime", call: (f) => ({ body: { promptId: f.promptId } }) },
  [`POST ${P}/query/environment-version`]: { need: "runtime", call: (f) => ({ body: { promptId: f.promptId, environment: "staging" } }) },
  [`GET ${P}/:promptVersionId/prompt-body`]: { need: "runtime", call: () => ({}) },
  [`DELETE ${P}/:promptId/:promptVersionId`]: { need: "deployer", call: (f) => ({ path: `${P}/${f.promptId}/${f.v12}` }) },
  ["POST /v2/prompt-2025/query/version"]: { need: "runtime", call: (f) => ({ body: { promptVersionId: f.v10 } }) },
  ["POST /v2/prompt-2025/query/environment-version"]: { need: "runtime", call: (f) => ({ body: { promptId: f.promptId, environment: "staging" } }) },
  ["POST /v2/prompt-2025/query/production-version"]: { need: "runtime", call: (f) => ({ body: { promptId: f.promptId } }) },
  ["POST /v1/prompt/version/:promptVersionId/subversion"]: { need: "member", call: () => ({ body: { newHeliconeTemplate: sampleBody() } }) },
  ["GET /v1/me"]: { need: "runtime", call: () => ({}) },
  ["POST /v1/api-keys"]: { need: "admin", call: () => ({ body: { name: "made" } }) },
  ["GET /v1/api-keys"]: { need: "admin", call: () => ({}) },
  ["DELETE /v1/api-keys/:keyId"]: { need: "admin", call: () => ({}) },
  ["POST /v1/organizations"]: { need: "instance", call: () => ({ body: { name: "another" } }) },
  [`POST ${P}/query/metrics`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId } }) },
  [`POST ${P}/query/metrics-series`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId } }) },
  [`POST ${P}/query/requests`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId } }) },
  [`POST ${P}/query/capture-settings`]: { need: "member", call: (f) => ({ body: { promptId: f.promptId } }) },
  [`POST ${P}/update/capture-settings`]: { need: "admin", call: (f) => ({ body: { promptId: f.promptId, enabled: false } }) },
  // Rollouts (API.md "Rollouts"; served once the rollouts work is merged): reading for every role, the rest deployer.
  [`POST ${P}/update/rollout`]: { need: "deployer", call: (f) => ({ body: { promptId: f.promptId, environment: "staging", promptVersionId: f.v12, weight: 10 } }) },
  [`POST ${P}/query/rollout`]: { need: "runtime", call: (f) => ({ body: { promptId: f.promptId, environment: "staging" } }) },
  [`POST ${P}/rollout/promote`]: { need: "deployer", call: (f) => ({ body: { promptId: f.promptId, environment: "staging" } }) },
  [`POST ${P}/rollout/abort`]: { need: "deployer", call: (f) => ({ body: { promptId: f.promptId, environment: "staging" } }) },
};

/** Minimum role of every tRPC procedure, and an input that succeeds with it. */
const TRPC: Record<string, { need: Need; input?: (f: Fixture) => unknown }> = {
  "prompts.create": { need: "member", input: () => ({ name: "created", body: sampleBody() }) },
  "prompts.list": { need: "member", input: () => ({}) },
  "prompts.listSummaries": { need: "member", input: () => ({}) },
  "prompts.byId": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "prompts.rename": { need: "member", input: (f) => ({ promptId: f.promptId, name: "renamed" }) },
  "prompts.setTags": { need: "member", input: (f) => ({ promptId: f.promptId, tags: ["t"] }) },
  "prompts.delete": { need: "deployer", input: (f) => ({ promptId: f.promptId }) },
  "prompts.tags": { need: "member" },
  "prompts.count": { need: "member" },
  "versions.create": { need: "member", input: (f) => ({ promptId: f.promptId, baseVersionId: f.v10, body: sampleBody() }) },
  "versions.list": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "versions.byId": { need: "runtime", input: (f) => ({ versionId: f.v10 }) },
  "versions.body": { need: "runtime", input: (f) => ({ versionId: f.v10 }) },
  "versions.withBody": { need: "runtime", input: (f) => ({ versionId: f.v10 }) },
  "versions.totals": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "versions.delete": { need: "deployer", input: (f) => ({ promptId: f.promptId, versionId: f.v12 }) },
  "environments.set": { need: "member", input: (f) => ({ promptId: f.promptId, versionId: f.v12, environment: "staging" }) },
  "environments.remove": { need: "member", input: (f) => ({ promptId: f.promptId, versionId: f.v11, environment: "staging" }) },
  "environments.version": { need: "runtime", input: (f) => ({ promptId: f.promptId, environment: "staging" }) },
  "environments.versionWithBody": { need: "runtime", input: (f) => ({ promptId: f.promptId, environment: "production" }) },
  "environments.ofPrompt": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "environments.inUse": { need: "member" },
  "environments.history": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "environments.historyPage": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "environments.protected": { need: "runtime" },
  "environments.setProtected": { need: "admin", input: () => ({ environment: "audit", protected: true }) },
  "apiKeys.me": { need: "runtime" },
  "apiKeys.create": { need: "admin", input: () => ({ name: "made" }) },
  "apiKeys.list": { need: "admin" },
  "apiKeys.revoke": { need: "admin", input: (f) => ({ keyId: f.keyId }) },
  "organizations.create": { need: "instance", input: () => ({ name: "another" }) },
  "metrics.byVersion": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "metrics.series": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "requests.list": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "captureSettings.get": { need: "member", input: (f) => ({ promptId: f.promptId }) },
  "captureSettings.set": { need: "admin", input: (f) => ({ promptId: f.promptId, enabled: false }) },
  // Rollouts (the agreed tRPC interface; served once the rollouts work is merged).
  "rollouts.start": { need: "deployer", input: (f) => ({ promptId: f.promptId, environment: "staging", versionId: f.v12, weight: 10 }) },
  "rollouts.get": { need: "runtime", input: (f) => ({ promptId: f.promptId, environment: "staging" }) },
  "rollouts.promote": { need: "deployer", input: (f) => ({ promptId: f.promptId, environment: "staging" }) },
  "rollouts.abort": { need: "deployer", input: (f) => ({ promptId: f.promptId, environment: "staging" }) },
};

/** Routes of other work in progress: in the tables above before they are served. */
const NOT_YET_SERVED_IS_FINE = new Set([
  `POST ${P}/update/rollout`,
  `POST ${P}/query/rollout`,
  `POST ${P}/rollout/promote`,
  `POST ${P}/rollout/abort`,
  "rollouts.start",
  "rollouts.get",
  "rollouts.promote",
  "rollouts.abort",
]);
/** Promote and abort need a rollout to act on. */
const NEEDS_ACTIVE_ROLLOUT = new Set([`POST ${P}/rollout/promote`, `POST ${P}/rollout/abort`, "rollouts.promote", "rollouts.abort"]);

/** Each table test makes a fresh prompt and a few requests per route: minutes on a busy machine, not seconds. */
const TABLE_TIMEOUT_MS = 240_000;

/** The role just below `need`: whose key must be refused. */
const below = (need: Need): Need | null => (need === "instance" ? "admin" : need === "runtime" ? null : API_KEY_ROLES[API_KEY_ROLES.indexOf(need) - 1]!);

let server: TestServerWithLlm;
/** A second replica on the same database. */
let replica: TestServer;
/** Secrets by role; `instance` is the bootstrap key. */
const keys = {} as Record<Need, string>;

const restKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

async function createKey(role: TApiKeyRole, name: string = role): Promise<{ id: string; secret: string }> {
  const res = await server.rest("POST", "/v1/api-keys", { name, role });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.data.key.id, secret: res.body.data.secret };
}

async function fixture(): Promise<Fixture> {
  const created = await server.call<{ id: string; versionId: string }>("POST", P, { name: "fixture", promptBody: sampleBody() });
  const v11 = await server.call<{ id: string }>("POST", `${P}/update`, {
    promptId: created.id,
    promptVersionId: created.versionId,
    promptBody: sampleBody({ temperature: 0.5 }),
    environment: "staging",
  });
  const v12 = await server.call<{ id: string }>("POST", `${P}/update`, { promptId: created.id, promptVersionId: v11.id, promptBody: sampleBody({ temperature: 0.7 }) });
  return { promptId: created.id, v10: created.versionId, v11: v11.id, v12: v12.id, keyId: (await createKey("member", "to revoke")).id };
}

/** Everything an action could have changed, as stored. */
async function snapshot(): Promise<string> {
  const db = await server.rawDb();
  const names = ["prompts", "versions", "environments", "deployments", "pointer_copies", "api_keys", "organizations", "organization_settings", "capture_settings", "rollouts", "active_rollouts"];
  const dump = await Promise.all(names.map(async (name) => [name, await db.collection(name).find({}).sort({ _id: 1 }).toArray()]));
  return JSON.stringify(dump);
}

beforeAll(async () => {
  server = await startTestServerWithFakeLlm();
  replica = await startTestServer({ MONGODB_DB: server.dbName });
  for (const role of API_KEY_ROLES) keys[role] = (await createKey(role)).secret;
  keys.instance = ADMIN_KEY;
});
afterAll(async () => {
  await replica?.stop();
  await server?.stop();
});

describe("every route's minimum role (the route tables)", () => {
  it("every REST route and tRPC procedure is in the expectation tables", () => {
    const served = [...restRoutes.map((r) => restKey(r.method, r.path)), ...Object.keys(appRouter._def.procedures)];
    const missing = served.filter((route) => !(route in REST) && !(route in TRPC));
    expect(missing, "routes without an expected minimum role: add them to REST or TRPC above").toEqual([]);
    // And the tables name nothing that is not served (other than work in progress elsewhere).
    const stale = [...Object.keys(REST), ...Object.keys(TRPC)].filter((route) => !served.includes(route) && !NOT_YET_SERVED_IS_FINE.has(route));
    expect(stale).toEqual([]);
  });

  it("REST: the role below is refused with 403 naming the role needed and changes nothing; the role needed succeeds", async () => {
    for (const route of restRoutes) {
      const name = restKey(route.method, route.path);
      const { need, call } = REST[name]!;
      const f = await fixture();
      if (NEEDS_ACTIVE_ROLLOUT.has(name)) {
        await server.call("POST", `${P}/update/rollout`, { promptId: f.promptId, environment: "staging", promptVersionId: f.v12, weight: 10 });
      }
      const { path: explicitPath, body } = call(f);
      const values: Record<string, string> = { promptId: f.promptId, promptVersionId: f.v10, keyId: f.keyId };
      const path = explicitPath ?? route.path.replace(/:(\w+)/g, (_, p: string) => values[p]!);
      const method = route.method.toUpperCase();

      const refusedRole = below(need);
      if (refusedRole) {
        const before = await snapshot();
        const refused = await server.rest(method, path, body, { key: keys[refusedRole] });
        expect(refused.status, `${name} with a ${refusedRole} key: ${refused.text}`).toBe(403);
        expect(refused.body).toEqual({
          data: null,
          error: need === "instance" ? expect.stringContaining("bootstrap key") : expect.stringContaining(`needs the ${need} role`),
        });
        expect(await snapshot(), `${name}: a refused request changed nothing`).toBe(before);
      }
      const allowed = await server.rest(method, path, body, { key: keys[need] });
      expect(allowed.status, `${name} with a ${need} key: ${allowed.text}`).toBeLessThan(300);
    }
  }, TABLE_TIMEOUT_MS);

  it("tRPC: the role below is refused with FORBIDDEN naming the role needed and changes nothing; the role needed succeeds", async () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>;
    for (const [name, procedure] of Object.entries(procedures)) {
      const { need, input } = TRPC[name]!;
      const f = await fixture();
      if (NEEDS_ACTIVE_ROLLOUT.has(name)) {
        await server.call("POST", `${P}/update/rollout`, { promptId: f.promptId, environment: "staging", promptVersionId: f.v12, weight: 10 });
      }
      const [namespace, method] = name.split(".") as [string, string];
      const invoke = (key: string) => {
        // The proxy client is typed per procedure; here the procedure is a name from the router itself.
        const client = server.trpc(key) as unknown as Record<string, Record<string, Record<string, (input: unknown) => Promise<unknown>>>>;
        return client[namespace]![method]![procedure._def.type === "query" ? "query" : "mutate"]!(input?.(f));
      };

      const refusedRole = below(need);
      if (refusedRole) {
        const before = await snapshot();
        const error = await invoke(keys[refusedRole]).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, `${name} with a ${refusedRole} key`).toMatchObject({
          data: { code: "FORBIDDEN", httpStatus: 403 },
          message: need === "instance" ? expect.stringContaining("bootstrap key") : expect.stringContaining(`needs the ${need} role`),
        });
        if (need !== "instance") {
          expect(error).toMatchObject({ data: { appError: { code: "FORBIDDEN", details: { role: refusedRole, requiredRole: need } } } });
        }
        expect(await snapshot(), `${name}: a refused call changed nothing`).toBe(before);
      }
      await expect(invoke(keys[need]), `${name} with a ${need} key`).resolves.not.toThrow();
    }
  }, TABLE_TIMEOUT_MS);
});

describe("protected environments", () => {
  const pointed = async (promptId: string, environment: string) =>
    (await server.call<{ id: string }>("POST", `${P}/query/environment-version`, { promptId, environment })).id;

  it("REST: a member moves and removes staging, not production (403 naming deployer, nothing moved); a deployer moves production", async () => {
    const f = await fixture();
    const before = await snapshot();
    const refused = await server.rest("POST", `${P}/update/environment`, { promptId: f.promptId, promptVersionId: f.v12, environment: "production" }, { key: keys.member });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/may not move the protected environment production: that needs the deployer role/);
    // Deploying a new version to it is a move too: refused before the version exists.
    const deploying = await server.rest("POST", `${P}/update`, { promptId: f.promptId, promptVersionId: f.v10, promptBody: sampleBody(), environment: "production" }, { key: keys.member });
    expect(deploying.status).toBe(403);
    expect(deploying.body.error).toContain("needs the deployer role");
    expect(await snapshot()).toBe(before);
    expect(await pointed(f.promptId, "production")).toBe(f.v10);

    expect((await server.rest("POST", `${P}/update/environment`, { promptId: f.promptId, promptVersionId: f.v12, environment: "staging" }, { key: keys.member })).status).toBe(200);
    expect((await server.rest("POST", `${P}/update/environment`, { promptId: f.promptId, promptVersionId: f.v12, environment: "production" }, { key: keys.deployer })).status).toBe(200);
    expect(await pointed(f.promptId, "production")).toBe(f.v12);
    const deployed = await server.rest("POST", `${P}/update`, { promptId: f.promptId, promptVersionId: f.v10, promptBody: sampleBody(), environment: "production" }, { key: keys.deployer });
    expect(deployed.status).toBe(201);
    expect(await pointed(f.promptId, "production")).toBe(deployed.body.data.id);
  });

  it("tRPC: the same rules, and a protected environment other than production is the deployer's to remove", async () => {
    const f = await fixture();
    const admin = server.trpc(keys.admin);
    const member = server.trpc(keys.member);
    const deployer = server.trpc(keys.deployer);
    await expect(member.environments.set.mutate({ promptId: f.promptId, versionId: f.v12, environment: "production" })).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
      message: expect.stringContaining("needs the deployer role"),
    });
    await expect(member.versions.create.mutate({ promptId: f.promptId, baseVersionId: f.v10, body: sampleBody(), environment: "production" })).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
    });
    expect(await admin.versions.list.query({ promptId: f.promptId })).toHaveLength(3);

    await member.environments.set.mutate({ promptId: f.promptId, versionId: f.v12, environment: "eu-prod" });
    const set = await admin.environments.setProtected.mutate({ environment: "eu-prod", protected: true });
    expect(set).toEqual(expect.arrayContaining(["eu-prod", "production"]));
    expect(set).toEqual([...set].sort());
    try {
      await expect(member.environments.remove.mutate({ promptId: f.promptId, versionId: f.v12, environment: "eu-prod" })).rejects.toMatchObject({
        data: { code: "FORBIDDEN" },
        message: expect.stringContaining("may not remove the protected environment eu-prod"),
      });
      expect((await admin.environments.version.query({ promptId: f.promptId, environment: "eu-prod" })).id).toBe(f.v12);
      await deployer.environments.remove.mutate({ promptId: f.promptId, versionId: f.v12, environment: "eu-prod" });
      await deployer.environments.set.mutate({ promptId: f.promptId, versionId: f.v11, environment: "production" });
      expect((await admin.environments.version.query({ promptId: f.promptId, environment: "production" })).id).toBe(f.v11);
    } finally {
      await admin.environments.setProtected.mutate({ environment: "eu-prod", protected: false });
    }
  });

  it("changing protection is the admin's; every role reads it; bad input is a 400 and changes nothing", async () => {
    for (const role of ["runtime", "member", "deployer"] as const) {
      const refused = await server.rest("POST", `${P}/environments/protected`, { environment: "staging", protected: true }, { key: keys[role] });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toContain("needs the admin role");
    }
    for (const role of API_KEY_ROLES) {
      expect((await server.rest("GET", `${P}/environments/protected`, undefined, { key: keys[role] })).body.data).not.toContain("staging");
    }
    const before = await server.call<string[]>("GET", `${P}/environments/protected`);
    for (const bad of [{ environment: "no spaces", protected: true }, { environment: "staging", protected: "yes" }, { environment: "staging" }, {}]) {
      const res = await server.rest("POST", `${P}/environments/protected`, bad, { key: keys.admin });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await server.call<string[]>("GET", `${P}/environments/protected`)).toEqual(before);
  });

  it("bounds the protected set: at most 100 environments", async () => {
    const org = await server.createOrg("many protected");
    for (let i = 1; i < 100; i++) {
      expect((await server.rest("POST", `${P}/environments/protected`, { environment: `env-${i}`, protected: true }, { key: org.key })).status).toBe(200);
    }
    const refused = await server.rest("POST", `${P}/environments/protected`, { environment: "one-too-many", protected: true }, { key: org.key });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain("at most 100");
    // Another organization's set is untouched.
    expect(await server.call<string[]>("GET", `${P}/environments/protected`, undefined)).not.toContain("env-1");
    const theirs = (await server.rest("GET", `${P}/environments/protected`, undefined, { key: org.key })).body.data as string[];
    expect(theirs).toHaveLength(100);
    expect(theirs).not.toContain("one-too-many");
  });

  it("an organization may unprotect production: then members move it; each organization has its own set", async () => {
    const org = await server.createOrg("unprotected production");
    const member = (await server.rest("POST", "/v1/api-keys", { name: "m", role: "member" }, { key: org.key })).body.data.secret as string;
    const created = (await server.rest("POST", P, { name: "p", promptBody: sampleBody() }, { key: org.key })).body.data;
    const v11 = (await server.rest("POST", `${P}/update`, { promptId: created.id, promptVersionId: created.versionId, promptBody: sampleBody({ temperature: 1 }) }, { key: org.key })).body.data.id;
    const move = () => server.rest("POST", `${P}/update/environment`, { promptId: created.id, promptVersionId: v11, environment: "production" }, { key: member });
    expect((await move()).status).toBe(403);
    expect((await server.rest("POST", `${P}/environments/protected`, { environment: "production", protected: false }, { key: org.key })).body.data).toEqual([]);
    expect((await move()).status).toBe(200);
    // The default organization still protects production.
    expect(await server.call<string[]>("GET", `${P}/environments/protected`)).toContain("production");
  });

  it("a change of protection reaches a second replica with its deployment feed's next poll", async () => {
    const org = await server.createOrg("replicas");
    const member = (await server.rest("POST", "/v1/api-keys", { name: "m", role: "member" }, { key: org.key })).body.data.secret as string;
    const created = (await server.rest("POST", P, { name: "p", promptBody: sampleBody() }, { key: org.key })).body.data;
    const moveOnReplica = () =>
      replica.rest("POST", `${P}/update/environment`, { promptId: created.id, promptVersionId: created.versionId, environment: "qa" }, { key: member });
    expect((await moveOnReplica()).status).toBe(200); // the replica now caches this organization's set (10 s)

    expect((await server.rest("POST", `${P}/environments/protected`, { environment: "qa", protected: true }, { key: org.key })).status).toBe(200);
    await replica.services.deploymentFeed.poll();
    const refused = await moveOnReplica();
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain("protected environment qa");
    expect((await replica.rest("GET", `${P}/environments/protected`, undefined, { key: member })).body.data).toEqual(["production", "qa"]);
  });

  it("reaches the second replica by itself, well inside its cache's 10 s (its feed polls every 250 ms); the time is measured", async () => {
    const org = await server.createOrg("replicas, unaided");
    const member = (await server.rest("POST", "/v1/api-keys", { name: "m", role: "member" }, { key: org.key })).body.data.secret as string;
    const listOnReplica = async () => (await replica.rest("GET", `${P}/environments/protected`, undefined, { key: member })).body.data as string[];
    expect(await listOnReplica()).toEqual(["production"]);
    const changedAt = Date.now();
    await server.rest("POST", `${P}/environments/protected`, { environment: "production", protected: false }, { key: org.key });
    const deadline = Date.now() + 8000;
    while ((await listOnReplica()).length > 0) {
      expect(Date.now(), "the replica still uses the old set").toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(`protection change reached the second replica in ${Date.now() - changedAt} ms`);
  });
});

describe("keys", () => {
  it("a key stored before roles got finer (member, no marker) keeps today's member powers: it moves production and deletes", async () => {
    const secret = `prk_legacy_${Date.now()}`;
    const db = await server.rawDb();
    await db.collection("api_keys").insertOne({
      _id: `key_legacy_${Date.now()}` as never,
      orgId: "default",
      name: "legacy",
      role: "member",
      prefix: secret.slice(0, 10),
      hash: hashApiKey(secret),
      createdAt: new Date(),
      revokedAt: null,
    });
    const me = await server.rest("GET", "/v1/me", undefined, { key: secret });
    expect(me.body.data).toMatchObject({ role: "deployer", key: { name: "legacy", role: "deployer" } });
    const f = await fixture();
    expect((await server.rest("POST", `${P}/update/environment`, { promptId: f.promptId, promptVersionId: f.v12, environment: "production" }, { key: secret })).status).toBe(200);
    expect((await server.rest("DELETE", `${P}/${f.promptId}/${f.v12}`, undefined, { key: secret })).status).toBe(409); // production points at it now
    expect((await server.rest("DELETE", `${P}/${f.promptId}/${f.v10}`, undefined, { key: secret })).status).toBe(200);
    expect((await server.rest("DELETE", `${P}/${f.promptId}`, undefined, { key: secret })).status).toBe(200);
    // It still may not manage keys, as before.
    expect((await server.rest("GET", "/v1/api-keys", undefined, { key: secret })).status).toBe(403);
  });

  it("a key created now without a role is the narrower member, marked as such in the database", async () => {
    const { key, secret } = (await server.rest("POST", "/v1/api-keys", { name: "default role" })).body.data;
    expect(key.role).toBe("member");
    const stored = await (await server.rawDb()).collection("api_keys").findOne({ _id: key.id });
    expect(stored).toMatchObject({ role: "member", roleScheme: 2 });
    const f = await fixture();
    expect((await server.rest("POST", `${P}/update/environment`, { promptId: f.promptId, promptVersionId: f.v12, environment: "production" }, { key: secret })).status).toBe(403);
  });

  it("only admins create keys, and no key creates one above its own role", async () => {
    const before = (await server.call<unknown[]>("GET", "/v1/api-keys")).length;
    for (const role of ["runtime", "member", "deployer"] as const) {
      const res = await server.rest("POST", "/v1/api-keys", { name: "escalate", role: "admin" }, { key: keys[role] });
      expect(res.status).toBe(403);
      expect(res.body.error).toContain("needs the admin role");
      await expect(server.trpc(keys[role]).apiKeys.create.mutate({ name: "escalate", role: "deployer" })).rejects.toMatchObject({ data: { code: "FORBIDDEN" } });
    }
    expect(await server.call<unknown[]>("GET", "/v1/api-keys")).toHaveLength(before);
    // An admin creates every role, and an unknown role is a 400.
    for (const role of API_KEY_ROLES) expect((await server.rest("POST", "/v1/api-keys", { name: role, role }, { key: keys.admin })).body.data.key.role).toBe(role);
    expect((await server.rest("POST", "/v1/api-keys", { name: "x", role: "owner" }, { key: keys.admin })).status).toBe(400);
  });
});

describe("runtime keys", () => {
  it("fetch prompts as Helicone's prompt manager does (metadata, then the signed body URL without a key) and subscribe to deployments", async () => {
    const f = await fixture();
    const runtime = keys.runtime;
    for (const [path, body] of [
      [`${P}/query/production-version`, { promptId: f.promptId }],
      [`${P}/query/environment-version`, { promptId: f.promptId, environment: "staging" }],
      [`${P}/query/version`, { promptVersionId: f.v12 }],
    ] as const) {
      const meta = await server.rest("POST", path, body, { key: runtime });
      expect(meta.status, meta.text).toBe(200);
      const fetched = await fetch(meta.body.data.s3_url as string);
      expect(fetched.status).toBe(200);
      expect(((await fetched.json()) as { model: string }).model).toBe(sampleBody().model);
    }
    expect((await server.rest("GET", `${P}/${f.v10}/prompt-body`, undefined, { key: runtime })).status).toBe(200);
    expect((await server.rest("GET", "/v1/deployments", undefined, { key: runtime })).status).toBe(200);
    const stream = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${runtime}` } });
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
  });

  it("call the gateway, and may not create, list or read metrics (403 naming member)", async () => {
    const f = await fixture();
    const sdk = new OpenAI({ apiKey: keys.runtime, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const answer = await sdk.chat.completions.create({ prompt_id: f.promptId, inputs: { company: "Acme", customer: "Ada", question: "Where?" } } as never);
    expect((answer as unknown as { choices: unknown[] }).choices).toHaveLength(1);

    const created = await server.rest("POST", P, { name: "app made", promptBody: sampleBody() }, { key: keys.runtime });
    expect(created.status).toBe(403);
    expect(created.body.error).toBe("this API key (role runtime) may not create prompts: that needs the member role or higher");
    expect((await server.rest("POST", `${P}/query`, {}, { key: keys.runtime })).status).toBe(403);
    expect((await server.rest("POST", `${P}/query/metrics`, { promptId: f.promptId }, { key: keys.runtime })).status).toBe(403);
  });
});
