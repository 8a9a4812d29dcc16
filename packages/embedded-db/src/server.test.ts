import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedDb } from "./index.js";

describe("startEmbeddedDb", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("serves the MongoDB protocol and keeps data across a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "promptreg-edb-"));
    dirs.push(dataDir);

    const first = await startEmbeddedDb({ dataDir });
    expect(first.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const client = new MongoClient(first.uri);
    await client.db("t").collection("c").insertOne({ _id: "a" as never, n: 1 });
    await client.close();
    await first.stop();
    expect(await first.exited).not.toBeUndefined();

    const second = await startEmbeddedDb({ dataDir });
    const again = new MongoClient(second.uri);
    expect(await again.db("t").collection("c").findOne({ _id: "a" as never })).toEqual({ _id: "a", n: 1 });
    await again.close();
    await second.stop();
  });

  it("runs two instances side by side", async () => {
    const [a, b] = await Promise.all(
      [0, 1].map(async () => {
        const dir = await mkdtemp(join(tmpdir(), "promptreg-edb-"));
        dirs.push(dir);
        return startEmbeddedDb({ dataDir: dir });
      }),
    );
    expect(a!.port).not.toBe(b!.port);
    await Promise.all([a!.stop(), b!.stop()]);
  });
});
