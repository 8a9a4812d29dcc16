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

  // The binary is built with a one-line fix of FerretDB v1.24.2 (binary.ts, ID_COLUMN_PATCH): unpatched,
  // SQLite scans the whole table for every lookup, update and delete by _id.
  it("finds, updates and deletes by _id through the _id index, not a table scan", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "promptreg-edb-"));
    dirs.push(dataDir);
    const db = await startEmbeddedDb({ dataDir });
    const client = new MongoClient(db.uri);
    try {
      const collection = client.db("t").collection<{ _id: string; n: number }>("c");
      await collection.insertMany(Array.from({ length: 50 }, (_, n) => ({ _id: `doc-${n}`, n })));
      const explained = (await client.db("t").command({ explain: { find: "c", filter: { _id: "doc-49" } } })) as { queryPlanner: { Plan: string[] } };
      expect(explained.queryPlanner.Plan.join("\n")).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
      // And the patched filter still finds, updates and deletes the right documents.
      expect(await collection.findOne({ _id: "doc-49" })).toEqual({ _id: "doc-49", n: 49 });
      await collection.updateOne({ _id: "doc-49" }, { $set: { n: -1 } });
      expect((await collection.findOne({ _id: "doc-49" }))?.n).toBe(-1);
      await collection.deleteOne({ _id: "doc-48" });
      expect(await collection.countDocuments()).toBe(49);
      expect(await collection.findOne({ _id: "doc-48" })).toBeNull();
    } finally {
      await client.close();
      await db.stop();
    }
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
