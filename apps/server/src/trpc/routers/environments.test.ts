// Environment moves, tested at the router (tRPC's createCaller on a real database, no HTTP), so a failure
// names the rule: set points an environment at a version of the same prompt (moving it from wherever it
// was), remove takes a non-production environment off the version it points at, production cannot be
// removed, a version of another prompt is refused, and every move is recorded in the history, in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBody, startTestServer, type AppCaller, type TestServer } from "../../testing/index.js";

let server: TestServer;
let caller: AppCaller;

beforeAll(async () => {
  server = await startTestServer();
  caller = await server.caller((await server.createOrg()).key);
});

afterAll(async () => {
  await server?.stop();
});

/** A prompt with versions 1.0 (production), 1.1 and 1.2. */
async function promptWithThreeVersions(name: string) {
  const { prompt, version: v10 } = await caller.prompts.create({ name, body: sampleBody() });
  const v11 = await caller.versions.create({ promptId: prompt.id, baseVersionId: v10.id, body: sampleBody({ temperature: 0.5 }) });
  const v12 = await caller.versions.create({ promptId: prompt.id, baseVersionId: v11.id, body: sampleBody({ temperature: 0.7 }) });
  return { promptId: prompt.id, v10, v11, v12 };
}

const pointedAt = async (promptId: string, environment: string) => (await caller.environments.version({ promptId, environment })).id;
const environmentsOf = async (promptId: string) => (await caller.environments.ofPrompt({ promptId })).map((p) => `${p.environment}->${p.versionId}`);

describe("environments.set", () => {
  it("points a new environment at a version, then moves it to another", async () => {
    const { promptId, v10, v11, v12 } = await promptWithThreeVersions("moves");
    await caller.environments.set({ promptId, versionId: v11.id, environment: "staging" });
    expect(await pointedAt(promptId, "staging")).toBe(v11.id);
    await caller.environments.set({ promptId, versionId: v12.id, environment: "staging" });
    expect(await pointedAt(promptId, "staging")).toBe(v12.id);
    expect(await environmentsOf(promptId)).toEqual([`production->${v10.id}`, `staging->${v12.id}`]);
    // Each version lists the environments pointing at it now, and only those.
    const listed = new Map((await caller.versions.list({ promptId })).map((v) => [v.id, v.environments]));
    expect([listed.get(v10.id), listed.get(v11.id), listed.get(v12.id)]).toEqual([["production"], [], ["staging"]]);
  });

  it("moves production forward and back (a roll-back is a move)", async () => {
    const { promptId, v10, v12 } = await promptWithThreeVersions("roll back");
    await caller.environments.set({ promptId, versionId: v12.id, environment: "production" });
    expect(await pointedAt(promptId, "production")).toBe(v12.id);
    await caller.environments.set({ promptId, versionId: v10.id, environment: "production" });
    expect(await pointedAt(promptId, "production")).toBe(v10.id);
  });

  it("refuses a version of another prompt and leaves the pointer where it was", async () => {
    const mine = await promptWithThreeVersions("pointer owner");
    const other = await promptWithThreeVersions("pointer thief");
    await caller.environments.set({ promptId: other.promptId, versionId: other.v11.id, environment: "staging" });
    const historyBefore = await caller.environments.history({ promptId: other.promptId });

    await expect(caller.environments.set({ promptId: other.promptId, versionId: mine.v12.id, environment: "staging" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("belongs to another prompt"),
    });
    expect(await pointedAt(other.promptId, "staging")).toBe(other.v11.id);
    expect(await caller.environments.history({ promptId: other.promptId })).toEqual(historyBefore);
  });

  it("answers NOT_FOUND for another organization's prompt or version, as for unknown ones", async () => {
    const { promptId, v11 } = await promptWithThreeVersions("tenant pointers");
    const intruder = await server.caller((await server.createOrg()).key);
    await expect(intruder.environments.set({ promptId, versionId: v11.id, environment: "staging" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(intruder.environments.version({ promptId, environment: "production" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await environmentsOf(promptId)).toHaveLength(1);
  });
});

describe("environments.remove", () => {
  it("takes a non-production environment off its version", async () => {
    const { promptId, v10, v11 } = await promptWithThreeVersions("remove");
    await caller.environments.set({ promptId, versionId: v11.id, environment: "staging" });
    await caller.environments.remove({ promptId, versionId: v11.id, environment: "staging" });
    await expect(caller.environments.version({ promptId, environment: "staging" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await environmentsOf(promptId)).toEqual([`production->${v10.id}`]);
    // Pointed again later, it is back.
    await caller.environments.set({ promptId, versionId: v10.id, environment: "staging" });
    expect(await pointedAt(promptId, "staging")).toBe(v10.id);
  });

  it("answers NOT_FOUND when the environment points at another version, and keeps it", async () => {
    const { promptId, v11, v12 } = await promptWithThreeVersions("remove elsewhere");
    await caller.environments.set({ promptId, versionId: v12.id, environment: "staging" });
    await expect(caller.environments.remove({ promptId, versionId: v11.id, environment: "staging" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await pointedAt(promptId, "staging")).toBe(v12.id);
  });

  it("never removes production", async () => {
    const { promptId, v10 } = await promptWithThreeVersions("keep production");
    await expect(caller.environments.remove({ promptId, versionId: v10.id, environment: "production" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("production environment cannot be removed"),
    });
    expect(await pointedAt(promptId, "production")).toBe(v10.id);
    expect((await caller.environments.history({ promptId, environment: "production" })).map((d) => d.action)).toEqual(["set"]);
  });
});

describe("environments.history", () => {
  it("records every move of a pointer in order: revision, action, the version before and after", async () => {
    const { promptId, v10, v11, v12 } = await promptWithThreeVersions("history");
    await caller.environments.set({ promptId, versionId: v11.id, environment: "staging" });
    await caller.environments.set({ promptId, versionId: v12.id, environment: "staging" });
    await caller.environments.remove({ promptId, versionId: v12.id, environment: "staging" });
    await caller.environments.set({ promptId, versionId: v10.id, environment: "staging" });
    await caller.environments.set({ promptId, versionId: v12.id, environment: "production" });

    const staging = await caller.environments.history({ promptId, environment: "staging" });
    // Newest first.
    expect(staging.map(({ revision, action, previousVersionId, versionId }) => ({ revision, action, previousVersionId, versionId }))).toEqual([
      { revision: 4, action: "set", previousVersionId: null, versionId: v10.id },
      { revision: 3, action: "remove", previousVersionId: v12.id, versionId: null },
      { revision: 2, action: "set", previousVersionId: v11.id, versionId: v12.id },
      { revision: 1, action: "set", previousVersionId: null, versionId: v11.id },
    ]);
    const production = await caller.environments.history({ promptId, environment: "production" });
    expect(production.map((d) => [d.revision, d.previousVersionId, d.versionId])).toEqual([
      [2, v10.id, v12.id],
      [1, null, v10.id],
    ]);
    // Without an environment: both pointers' entries, newest first, each once.
    const all = await caller.environments.history({ promptId });
    expect(all).toHaveLength(6);
    expect(new Set(all.map((d) => d.id)).size).toBe(6);
    expect(all[0]).toMatchObject({ environment: "production", versionId: v12.id });
  });

  it("concurrent moves of one pointer are all recorded, each revision once, and the pointer ends on the last", async () => {
    const { promptId, v10, v11, v12 } = await promptWithThreeVersions("concurrent history");
    const targets = Array.from({ length: 12 }, (_, i) => [v10, v11, v12][i % 3]!);
    await Promise.all(targets.map((v) => caller.environments.set({ promptId, versionId: v.id, environment: "qa" })));
    const history = await caller.environments.history({ promptId, environment: "qa" });
    expect(history.map((d) => d.revision)).toEqual(Array.from({ length: 12 }, (_, i) => 12 - i));
    // Each entry starts where the one before it ended: no move was lost or applied twice.
    for (let i = 0; i < history.length - 1; i++) expect(history[i]!.previousVersionId).toBe(history[i + 1]!.versionId);
    expect(await pointedAt(promptId, "qa")).toBe(history[0]!.versionId);
  });
});
