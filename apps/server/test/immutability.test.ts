// No API call can change a stored version: every write endpoint, REST and tRPC, is tried against it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

describe("immutable versions", () => {
  it("survive every write endpoint unchanged, byte for byte", async () => {
    const db = await server.rawDb();
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "frozen", tags: ["t"], promptBody: sampleBody() })).body.data;
    const v11 = (await server.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, promptBody: sampleBody({ temperature: 1 }) })).body.data.id;
    const snapshot = await db.collection("versions").find({ promptId: id }).sort({ _id: 1 }).toArray();
    expect(snapshot).toHaveLength(2);

    const writes: Array<[string, string, unknown?]> = [
      ["POST", `/v1/prompt-2025/id/${id}/rename`, { name: "renamed" }],
      ["PATCH", `/v1/prompt-2025/id/${id}/tags`, { tags: ["changed"] }],
      ["POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, newMajorVersion: true, commitMessage: "m", promptBody: sampleBody({ model: "other" }), environment: "staging" }],
      ["POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: v11, environment: "production" }],
      ["POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: versionId, environment: "dev" }],
      ["POST", "/v1/prompt-2025/remove/environment", { promptId: id, promptVersionId: versionId, environment: "dev" }],
      ["POST", `/v1/prompt/version/${versionId}/subversion`, { newHeliconeTemplate: sampleBody({ model: "legacy" }), metadata: { a: 1 } }],
      ["DELETE", `/v1/prompt-2025/${id}/${versionId}`],
      // Attempts to smuggle changes to an existing version through create/update bodies.
      ["POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: v11, promptBody: sampleBody(), id: versionId, _id: versionId, major_version: 1, minor_version: 0 }],
      ["POST", "/v1/prompt-2025", { name: "again", promptBody: sampleBody(), versionId, id }],
    ];
    for (const [method, path, body] of writes) {
      const res = await server.rest(method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
    }
    const trpc = server.trpc();
    await trpc.prompts.rename.mutate({ promptId: id, name: "via trpc" });
    await trpc.prompts.setTags.mutate({ promptId: id, tags: ["x"] });
    await trpc.versions.create.mutate({ promptId: id, baseVersionId: v11, body: sampleBody(), bump: "minor" });
    await trpc.environments.set.mutate({ promptId: id, versionId: v11, environment: "qa" });
    await trpc.environments.remove.mutate({ promptId: id, versionId: v11, environment: "qa" });
    await trpc.prompts.delete.mutate({ promptId: id });

    const after = await db.collection("versions").find({ _id: { $in: snapshot.map((d) => d._id) } }).sort({ _id: 1 }).toArray();
    expect(after).toEqual(snapshot);
  });
});
