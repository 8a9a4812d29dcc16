// Version numbering, tested at the router (tRPC's createCaller on a real database, no HTTP), so a failure
// names the rule: a minor bump from any version of major M gives M.(highest minor in M + 1); a major bump
// from any version gives (highest major + 1).0; a number is never given twice, not even after its
// version was deleted, nor to concurrent creators, nor by a replica that did not see the others' versions.
import type { TPromptVersion } from "@promptreg/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBody, startTestServer, type AppCaller, type TestServer } from "../../testing/index.js";

let server: TestServer;
/** A second server on the same database: a replica whose memory of the numbers given is its own. */
let replica: TestServer;
let caller: AppCaller;
let replicaCaller: AppCaller;

beforeAll(async () => {
  server = await startTestServer();
  replica = await startTestServer({ MONGODB_DB: server.dbName });
  // An organization of its own: nothing else in this database is numbered with these prompts.
  const { key } = await server.createOrg();
  caller = await server.caller(key);
  replicaCaller = await replica.caller(key);
});

afterAll(async () => {
  await replica?.stop();
  await server?.stop();
});

const numberOf = (version: Pick<TPromptVersion, "majorVersion" | "minorVersion">) => `${version.majorVersion}.${version.minorVersion}`;

async function newPrompt(name: string) {
  const { prompt, version } = await caller.prompts.create({ name, body: sampleBody() });
  return { promptId: prompt.id, first: version };
}

function bump(promptId: string, base: TPromptVersion, kind: "minor" | "major" = "minor", via = caller) {
  return via.versions.create({ promptId, baseVersionId: base.id, bump: kind, body: sampleBody({ temperature: 0.5 }) });
}

describe("versions.create: numbering", () => {
  it("a new prompt is 1.0, and minor bumps count up within the major", async () => {
    const { promptId, first } = await newPrompt("minors");
    expect(numberOf(first)).toBe("1.0");
    const v11 = await bump(promptId, first);
    const v12 = await bump(promptId, v11);
    expect([numberOf(v11), numberOf(v12)]).toEqual(["1.1", "1.2"]);
  });

  it("a minor bump from an older version of the major takes the major's next minor, not the base's + 1", async () => {
    const { promptId, first } = await newPrompt("minor from an old base");
    const v11 = await bump(promptId, first);
    await bump(promptId, v11);
    expect(numberOf(await bump(promptId, first))).toBe("1.3");
    expect(numberOf(await bump(promptId, v11))).toBe("1.4");
  });

  it("a major bump from any version gives (highest major + 1).0", async () => {
    const { promptId, first } = await newPrompt("majors");
    const v11 = await bump(promptId, first);
    const v20 = await bump(promptId, v11, "major");
    expect(numberOf(v20)).toBe("2.0");
    // From 1.0, with 2.0 taken: 3.0, not 2.0 again.
    expect(numberOf(await bump(promptId, first, "major"))).toBe("3.0");
    expect(numberOf(await bump(promptId, v20, "major"))).toBe("4.0");
  });

  it("a minor bump in an older major continues that major, whatever the newer majors hold", async () => {
    const { promptId, first } = await newPrompt("older major");
    const v11 = await bump(promptId, first);
    const v20 = await bump(promptId, first, "major");
    await bump(promptId, v20);
    expect(numberOf(await bump(promptId, v11))).toBe("1.2");
    expect(numberOf(await bump(promptId, v20))).toBe("2.2");
    const listed = await caller.versions.list({ promptId });
    expect(listed.map(numberOf).sort()).toEqual(["1.0", "1.1", "1.2", "2.0", "2.1", "2.2"]);
  });

  it("never gives the number of a deleted version again", async () => {
    const { promptId, first } = await newPrompt("deleted numbers");
    const v11 = await bump(promptId, first);
    const v12 = await bump(promptId, v11);
    const v20 = await bump(promptId, v12, "major");
    await caller.versions.delete({ promptId, versionId: v12.id });
    await caller.versions.delete({ promptId, versionId: v20.id });
    expect(numberOf(await bump(promptId, v11))).toBe("1.3");
    expect(numberOf(await bump(promptId, first, "major"))).toBe("3.0");
    expect((await caller.versions.list({ promptId })).map(numberOf).sort()).toEqual(["1.0", "1.1", "1.3", "3.0"]);
  });

  it("a replica that never saw the newer versions still gives the next numbers: the database decides", async () => {
    const { promptId, first } = await newPrompt("two replicas");
    const v11 = await bump(promptId, first);
    await bump(promptId, v11);
    const v20 = await bump(promptId, first, "major");
    expect(numberOf(await bump(promptId, first, "minor", replicaCaller))).toBe("1.3");
    expect(numberOf(await bump(promptId, first, "major", replicaCaller))).toBe("3.0");
    // And the first replica, which did not see those two, continues after them.
    expect(numberOf(await bump(promptId, v11))).toBe("1.4");
    expect(numberOf(await bump(promptId, v20, "major"))).toBe("4.0");
  });

  it("concurrent minor bumps from one base, on two replicas, get distinct numbers with no gap", async () => {
    const { promptId, first } = await newPrompt("concurrent minors");
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => bump(promptId, first, "minor", i % 2 ? replicaCaller : caller)));
    expect(created.map((v) => v.minorVersion).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(created.map((v) => v.id)).size).toBe(20);
  });

  it("concurrent major bumps, on two replicas, get distinct majors with no gap", async () => {
    const { promptId, first } = await newPrompt("concurrent majors");
    const created = await Promise.all(Array.from({ length: 10 }, (_, i) => bump(promptId, first, "major", i % 2 ? replicaCaller : caller)));
    expect(created.map((v) => numberOf(v)).sort((a, b) => parseFloat(a) - parseFloat(b))).toEqual(
      Array.from({ length: 10 }, (_, i) => `${i + 2}.0`),
    );
  });

  it("refuses a base version of another prompt, and numbers nothing", async () => {
    const mine = await newPrompt("base owner");
    const other = await newPrompt("base thief");
    await expect(bump(other.promptId, mine.first)).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("belongs to another prompt") });
    expect((await caller.versions.list({ promptId: other.promptId })).map(numberOf)).toEqual(["1.0"]);
    expect((await caller.versions.list({ promptId: mine.promptId })).map(numberOf)).toEqual(["1.0"]);
  });

  it("answers NOT_FOUND for a base version of another organization, as for an unknown one", async () => {
    const { promptId, first } = await newPrompt("tenant");
    const intruder = await server.caller((await server.createOrg()).key);
    const theirs = await intruder.prompts.create({ name: "theirs", body: sampleBody() });
    await expect(caller.versions.create({ promptId, baseVersionId: theirs.version.id, body: sampleBody() })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(intruder.versions.create({ promptId, baseVersionId: first.id, body: sampleBody() })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
