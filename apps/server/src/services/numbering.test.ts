import { describe, expect, it } from "vitest";
import { KeyedMutex, NumberFloors } from "./numbering.js";

describe("NumberFloors", () => {
  it("proposes the caller's lower bound until numbers are known taken, then the next one above them", () => {
    const floors = new NumberFloors();
    expect(floors.candidate("p:1", 1)).toBe(1);
    floors.taken("p:1", 1);
    expect(floors.candidate("p:1", 1)).toBe(2);
    floors.taken("p:1", 7); // a duplicate at 7, or the database said 7 is the highest
    expect(floors.candidate("p:1", 1)).toBe(8);
    expect(floors.candidate("p:1", 12)).toBe(12); // a higher base wins
    floors.taken("p:1", 3); // an older fact never lowers the floor
    expect(floors.candidate("p:1", 1)).toBe(8);
    expect(floors.candidate("p:2", 1)).toBe(1); // keys are independent
  });
});

describe("KeyedMutex", () => {
  it("runs tasks of one key one at a time, in order, and other keys in parallel", async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const task = (key: string, n: number, ms: number) =>
      mutex.run(key, async () => {
        log.push(`start ${key}${n}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${key}${n}`);
        return n;
      });
    const results = await Promise.all([task("a", 1, 20), task("a", 2, 1), task("b", 1, 5)]);
    expect(results).toEqual([1, 2, 1]);
    expect(log.indexOf("end a1")).toBeLessThan(log.indexOf("start a2"));
    expect(log.indexOf("start b1")).toBeLessThan(log.indexOf("end a1"));
  });

  it("keeps going after a task fails", async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(mutex.run("k", () => Promise.resolve(42))).resolves.toBe(42);
  });
});
