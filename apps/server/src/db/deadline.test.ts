import { randomBytes } from "node:crypto";
import { MongoClient, type CommandStartedEvent } from "mongodb";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { notCountingTowardsDeadline, outsideRequestDeadline, remainingMs, RequestDeadlineError, untilDeadline, withDeadlines, withRequestDeadline } from "./deadline.js";

let client: MongoClient;
const started: CommandStartedEvent[] = [];
beforeAll(async () => {
  client = await new MongoClient(inject("mongoUri"), { monitorCommands: true }).connect();
  client.on("commandStarted", (e) => started.push(e));
});
afterAll(async () => client.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the request deadline", () => {
  it("is the time left of the request around the code, and absent outside it", async () => {
    expect(remainingMs()).toBeUndefined();
    await withRequestDeadline(5000, async () => {
      await sleep(20);
      expect(remainingMs()).toBeGreaterThan(0);
      expect(remainingMs()).toBeLessThanOrEqual(4980);
      expect(outsideRequestDeadline(() => remainingMs())).toBeUndefined();
      // Time spent reading a body does not count.
      const before = remainingMs()!;
      await notCountingTowardsDeadline(sleep(100));
      expect(remainingMs()!).toBeGreaterThan(before - 50);
    });
  });

  it("gives every operation a signal for it; one past it fails without reaching the database", async () => {
    const db = withDeadlines(client.db(`t_${randomBytes(4).toString("hex")}`), 30_000);
    const collection = db.collection<{ _id: string }>("c");
    await withRequestDeadline(5000, () => collection.insertOne({ _id: "a" }));
    await withRequestDeadline(50, async () => {
      await sleep(80);
      started.length = 0;
      await expect(collection.findOne({ _id: "a" })).rejects.toBeInstanceOf(RequestDeadlineError);
      await expect(collection.updateOne({ _id: "a" }, { $set: { x: 1 } })).rejects.toBeInstanceOf(RequestDeadlineError);
      await expect((async () => collection.find({}).toArray())()).rejects.toBeInstanceOf(RequestDeadlineError);
      expect(started.filter((e) => e.commandName !== "endSessions")).toEqual([]);
    });
    // Outside requests the default bound applies, and work goes on normally.
    expect(await collection.findOne({ _id: "a" })).toEqual({ _id: "a" });
    await db.dropDatabase();
  });

  it("lets a request stop waiting for shared work at its deadline", async () => {
    const shared = sleep(300).then(() => "done");
    await withRequestDeadline(30, async () => {
      await expect(untilDeadline(shared)).rejects.toBeInstanceOf(RequestDeadlineError);
    });
    expect(await shared).toBe("done");
  });
});
