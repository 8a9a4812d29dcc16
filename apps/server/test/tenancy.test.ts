// Cross-organization access over every REST route that takes an id, driven by the route table itself:
// a route added later is covered without touching this file.
import { sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { restRoutes } from "../src/rest/index.js";

let server: TestServer;
let victim: { promptId: string; versionId: string; keyId: string };
let intruderKey: string;

beforeAll(async () => {
  server = await startTestServer();
  const owner = await server.createOrg("victim");
  const created = await server.rest("POST", "/v1/prompt-2025", { name: "victim", tags: ["t"], promptBody: sampleBody() }, { key: owner.key });
  const key = await server.rest("POST", "/v1/api-keys", { name: "victim key" }, { key: owner.key });
  victim = { promptId: created.body.data.id, versionId: created.body.data.versionId, keyId: key.body.data.key.id };
  intruderKey = (await server.createOrg("intruder")).key;
});
afterAll(async () => server.stop());

/** Values for every id-bearing path parameter and body field: all of them the victim's. */
const idValues = (): Record<string, string> => ({
  promptId: victim.promptId,
  promptVersionId: victim.versionId,
  versionId: victim.versionId,
  keyId: victim.keyId,
  bumpForMajorPromptVersionId: victim.versionId,
});
const otherValues: Record<string, unknown> = {
  // Not production: removing production is refused (400) for any id, before ownership is looked at.
  environment: "staging",
  name: "intruded",
  tags: ["intruded"],
  promptBody: sampleBody({ model: "intruded" }),
  newHeliconeTemplate: sampleBody({ model: "intruded" }),
  commitMessage: "intruded",
  newMajorVersion: false,
  weight: 50,
};

function bodyFor(schema: z.ZodType | undefined): Record<string, unknown> | undefined {
  const shape = (schema as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  if (!shape) return undefined;
  const values = { ...otherValues, ...idValues() };
  return Object.fromEntries(Object.keys(shape).filter((k) => k in values).map((k) => [k, values[k]]));
}

const ID_KEYS = new Set(["promptId", "promptVersionId", "versionId", "keyId", "bumpForMajorPromptVersionId"]);

describe("tenant isolation over the route table", () => {
  it("every route that takes an id answers 404 for another organization's id, and changes nothing", async () => {
    const checked: string[] = [];
    for (const route of restRoutes) {
      const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      const body = bodyFor(route.body);
      const usesId = params.some((p) => ID_KEYS.has(p)) || Object.keys(body ?? {}).some((k) => ID_KEYS.has(k));
      if (!usesId) continue;
      const path = route.path.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(idValues()[p] ?? "x"));
      const res = await server.rest(route.method.toUpperCase(), path, body, { key: intruderKey });
      expect(res.status, `${route.method.toUpperCase()} ${route.path}: ${res.text}`).toBe(404);
      expect(res.body).toEqual({ data: null, error: expect.stringContaining("not found") });
      checked.push(`${route.method} ${route.path}`);
    }
    // The table has this many id-taking routes today; the test fails loudly if it stops finding them.
    expect(checked.length).toBeGreaterThanOrEqual(17);

    // Nothing of the victim changed.
    const audit = (await server.rawDb()).collection("prompts");
    const stored = await audit.findOne({ _id: victim.promptId as never });
    expect(stored).toMatchObject({ name: "victim", tags: ["t"], deletedAt: null, hiddenVersionIds: [] });
    expect(await (await server.rawDb()).collection("versions").countDocuments({ promptId: victim.promptId })).toBe(1);
    expect((await (await server.rawDb()).collection("api_keys").findOne({ _id: victim.keyId as never }))?.["revokedAt"]).toBeNull();
  });
});
