import { describe, expect, it } from "vitest";
import { KeyedMutex, nextVersionNumber } from "./numbering.js";

describe("nextVersionNumber", () => {
  it("minor bump: the base's major, highest minor in it + 1", () => {
    expect(nextVersionNumber("minor", { major: 1, minor: 0 }, 0, null)).toEqual({ major: 1, minor: 1 });
    expect(nextVersionNumber("minor", { major: 1, minor: 0 }, 7, null)).toEqual({ major: 1, minor: 8 });
    expect(nextVersionNumber("minor", { major: 2, minor: 3 }, 5, 9)).toEqual({ major: 2, minor: 6 });
  });

  it("major bump: highest major + 1, minor 0, whatever the base", () => {
    expect(nextVersionNumber("major", { major: 1, minor: 4 }, null, 1)).toEqual({ major: 2, minor: 0 });
    expect(nextVersionNumber("major", { major: 1, minor: 0 }, null, 5)).toEqual({ major: 6, minor: 0 });
  });

  it("falls back to the base when nothing else is stored", () => {
    expect(nextVersionNumber("minor", { major: 3, minor: 2 }, null, null)).toEqual({ major: 3, minor: 3 });
    expect(nextVersionNumber("major", { major: 3, minor: 2 }, null, null)).toEqual({ major: 4, minor: 0 });
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
