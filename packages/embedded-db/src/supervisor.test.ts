// The supervisor against the real FerretDB: kill -9 it, and it comes back on the same port with its data;
// make its restarts fail, and it gives up after its attempts and says why.
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { superviseEmbeddedDb, type SupervisorEvent } from "./index.js";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("superviseEmbeddedDb", () => {
  it("restarts a killed FerretDB on the same port with its data, and reports each step", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "promptreg-edb-sup-"));
    dirs.push(dataDir);
    const events: SupervisorEvent[] = [];
    const db = await superviseEmbeddedDb({ dataDir, onEvent: (e) => events.push(e), initialDelayMs: 50 });
    const client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 20_000 });
    try {
      const collection = client.db("t").collection<{ _id: string; n: number }>("c");
      await collection.insertOne({ _id: "acknowledged", n: 1 });
      const first = db.status().pid!;
      process.kill(first, "SIGKILL");
      await until(() => db.status().state === "running" && db.status().pid !== first, "the restart");
      expect(db.status()).toMatchObject({ state: "running", restarts: 1, downSince: null });
      expect(db.status().lastError).toMatch(/signal SIGKILL/);
      // Same URI, same data: the client reconnects by itself.
      expect(await collection.findOne({ _id: "acknowledged" })).toEqual({ _id: "acknowledged", n: 1 });
      expect(events.map((e) => e.type)).toEqual(["exited", "restarting", "restarted"]);
      expect(events[0]).toMatchObject({ type: "exited", pid: first, signal: "SIGKILL" });

      // Killed again, it is restarted again.
      const second = db.status().pid!;
      process.kill(second, "SIGKILL");
      await until(() => db.status().restarts === 2 && db.status().state === "running", "the second restart");
      expect(await collection.countDocuments()).toBe(1);
    } finally {
      await client.close();
      await db.stop();
    }
    expect(db.status().state).toBe("stopped");
  });

  it("gives up after its attempts when FerretDB cannot start again, and says why", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "promptreg-edb-sup-"));
    dirs.push(dataDir);
    const events: SupervisorEvent[] = [];
    const db = await superviseEmbeddedDb({ dataDir, onEvent: (e) => events.push(e), initialDelayMs: 20, maxAttempts: 3 });
    try {
      // Its data directory replaced by a file: no start can succeed.
      await rename(dataDir, `${dataDir}.moved`);
      dirs.push(`${dataDir}.moved`);
      await writeFile(dataDir, "not a directory");
      process.kill(db.status().pid!, "SIGKILL");
      await until(() => db.status().state === "failed", "giving up");
      expect(events.filter((e) => e.type === "restart-failed")).toHaveLength(3);
      expect(events.at(-1)).toMatchObject({ type: "gave-up", attempts: 3 });
      expect(db.status()).toMatchObject({ state: "failed", restarts: 0, pid: null });
      expect(db.status().downSince).toBeInstanceOf(Date);
      expect(db.status().lastError).toBeTruthy();
    } finally {
      await db.stop();
    }
  });
});
