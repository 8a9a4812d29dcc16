// Cross-replica invalidation of prompt deletions and version hides: two service sets ("replicas") on one
// database, the second learning of the first's changes only through its deployment feed, polled by hand.
import { randomBytes } from "node:crypto";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createRepositories, ensureIndexes } from "../src/db/index.js";
import { createServices, type RequestScope, type Services } from "../src/services/index.js";
import type { PromptChange } from "../src/services/events.js";
import { sampleBody } from "../src/testing/index.js";

let client: MongoClient;
let db: Db;
let replicaA: Services;
let replicaB: Services;
const scope: RequestScope = { orgId: "org-replicas", keyId: null, role: "admin", instanceAdmin: false };

const startReplica = async (): Promise<Services> => {
  const repos = createRepositories(db);
  await ensureIndexes(repos);
  // The TTL is far longer than the test: only the feed can make B forget what it cached.
  return createServices(repos, {
    bootstrapApiKey: undefined,
    signingSecrets: ["replica-invalidation-test-secret-0123456789"],
    bodyUrlTtlSeconds: 300,
    pointerTtlMs: 600_000,
    versionCacheSize: 1000,
    versionCacheBytes: 64 * 1024 * 1024,
    deploymentPollMs: 60_000,
  });
};

beforeAll(async () => {
  client = await new MongoClient(inject("mongoUri")).connect();
  db = client.db(`t_${randomBytes(6).toString("hex")}`);
  replicaA = await startReplica();
  replicaB = await startReplica();
});
afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

const seen = (services: Services) => {
  const changes: PromptChange[] = [];
  services.events.subscribePromptChanges((c) => changes.push(c));
  return changes;
};

describe("prompt changes across replicas", () => {
  it("a prompt deleted on replica A stops resolving on replica B after one feed poll", async () => {
    const { prompt } = await replicaA.prompts.create(scope, { name: "deleted-elsewhere", body: sampleBody() });
    const resolveOnB = () => replicaB.resolution.resolve(scope, { promptId: prompt.id });
    await replicaB.deploymentFeed.poll(); // B is now up to date with the clock (the creation's deployment included)
    await resolveOnB(); // warm B's cache
    const onA = seen(replicaA);
    const onB = seen(replicaB);

    await replicaA.prompts.remove(scope, prompt.id);
    await expect(replicaA.resolution.resolve(scope, { promptId: prompt.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(resolveOnB()).resolves.toMatchObject({ promptId: prompt.id }); // still cached on B

    await replicaB.deploymentFeed.poll();
    await expect(resolveOnB()).rejects.toMatchObject({ code: "NOT_FOUND" });

    // A's own feed reads the record too but does not deliver it again; neither does a later poll of B's.
    await replicaA.deploymentFeed.poll();
    await replicaB.deploymentFeed.poll();
    expect(onA).toHaveLength(1);
    expect(onB).toEqual([onA[0]]);
    expect(onB[0]).toMatchObject({ orgId: scope.orgId, promptId: prompt.id, action: "prompt-deleted", versionId: null });
  });

  it("a version hidden on replica A stops resolving by id on replica B after one feed poll", async () => {
    const { prompt, version: v10 } = await replicaA.prompts.create(scope, { name: "hidden-elsewhere", body: sampleBody() });
    const v11 = await replicaA.versions.create(scope, {
      promptId: prompt.id,
      baseVersionId: v10.id,
      bump: "minor",
      commitMessage: "not deployed",
      body: sampleBody({ temperature: 0.9 }),
    });
    const resolveOnB = () => replicaB.resolution.resolve(scope, { promptId: prompt.id, versionId: v11.id });
    await replicaB.deploymentFeed.poll(); // B is up to date with the clock (the creation's deployment included)
    await expect(resolveOnB()).resolves.toMatchObject({ versionId: v11.id }); // warm B's cache

    await replicaA.versions.remove(scope, { promptId: prompt.id, versionId: v11.id });
    await expect(resolveOnB()).resolves.toMatchObject({ versionId: v11.id }); // still cached on B

    await replicaB.deploymentFeed.poll();
    await expect(resolveOnB()).rejects.toMatchObject({ code: "NOT_FOUND" });
    // The prompt itself still resolves on B: production points at 1.0.
    await expect(replicaB.resolution.resolve(scope, { promptId: prompt.id })).resolves.toMatchObject({ versionId: v10.id });
  });
});
