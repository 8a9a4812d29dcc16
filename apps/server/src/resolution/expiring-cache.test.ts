import { describe, expect, it } from "vitest";
import { ExpiringCache } from "./expiring-cache.js";

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe("ExpiringCache", () => {
  it("loads once for concurrent misses and serves hits after", async () => {
    const cache = new ExpiringCache<number>({ maxEntries: 10, ttlMs: 1000 });
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.getOrLoad("k", load), cache.getOrLoad("k", load)])).toEqual([1, 1]);
    expect(await cache.getOrLoad("k", load)).toBe(1);
    expect(loads).toBe(1);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 2 });
  });

  it("never stores a load that an invalidation overtook", async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 1000 });
    const slow = deferred<string>();
    const first = cache.getOrLoad("k", () => slow.promise);
    cache.delete("k"); // the pointer moved while the old value was being read
    slow.resolve("old");
    expect(await first).toBe("old"); // that caller gets what it read
    expect(await cache.getOrLoad("k", async () => "new")).toBe("new"); // nobody after it does
  });

  it("expires entries after the TTL", async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 20 });
    await cache.getOrLoad("k", async () => "a");
    await new Promise((r) => setTimeout(r, 30));
    expect(cache.get("k")).toBeUndefined();
    expect(await cache.getOrLoad("k", async () => "b")).toBe("b");
  });

  it("serves an expired entry only when the reload fails in an accepted way, and never an invalidated one", async () => {
    const outage = new Error("down");
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 10, staleOnError: (e) => e === outage });
    await cache.getOrLoad("k", async () => "last");
    await new Promise((r) => setTimeout(r, 20));
    expect(await cache.getOrLoad("k", () => Promise.reject(outage))).toBe("last");
    expect(cache.staleServed).toBe(1);
    await expect(cache.getOrLoad("k", () => Promise.reject(new Error("bug")))).rejects.toThrow("bug");
    cache.delete("k");
    await expect(cache.getOrLoad("k", () => Promise.reject(outage))).rejects.toBe(outage);
  });

  it("reload reads past a fresh entry and stores the answer; a failed reload keeps the old entry", async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 1000 });
    await cache.getOrLoad("k", async () => "a");
    expect(await cache.reload("k", async () => "b")).toBe("b");
    expect(cache.get("k")).toBe("b");
    await expect(cache.reload("k", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(cache.get("k")).toBe("b");
    const slow = deferred<string>();
    const overtaken = cache.reload("k", () => slow.promise);
    cache.delete("k");
    slow.resolve("stale");
    expect(await overtaken).toBe("stale");
    expect(cache.get("k")).toBeUndefined();
  });

  it("evicts the least recently used entry", async () => {
    const cache = new ExpiringCache<number>({ maxEntries: 2, ttlMs: 1000 });
    await cache.getOrLoad("a", async () => 1);
    await cache.getOrLoad("b", async () => 2);
    cache.get("a");
    await cache.getOrLoad("c", async () => 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([1, undefined, 3]);
  });
});

describe("ExpiringCache's answers that something does not exist", () => {
  it("are kept apart and bounded: a flood of unknown keys evicts none of the values", async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 3, ttlMs: 60_000, negative: { maxEntries: 5, ttlMs: 60_000 } });
    for (const key of ["a", "b", "c"]) await cache.getOrLoad(key, async () => key.toUpperCase());
    for (let i = 0; i < 1000; i++) expect(await cache.getOrLoad(`unknown-${i}`, async () => null)).toBeNull();
    expect(cache.size).toBe(3 + 5);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["A", "B", "C"]);
    // The latest misses are answered from memory.
    let loads = 0;
    expect(await cache.getOrLoad("unknown-999", async () => (loads++, "found"))).toBeNull();
    expect(loads).toBe(0);
  });

  it("live shorter than values, and are replaced when the thing appears", async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 60_000, negative: { maxEntries: 10, ttlMs: 20 } });
    expect(await cache.getOrLoad("k", async () => null)).toBeNull();
    await new Promise((r) => setTimeout(r, 30));
    expect(await cache.getOrLoad("k", async () => "now here")).toBe("now here");
    expect(cache.size).toBe(1);
  });

  it("are not kept at all without a negative bound", async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    expect(await cache.getOrLoad("k", async () => null)).toBeNull();
    expect(cache.size).toBe(0);
  });
});

describe("ExpiringCache's weight bound", () => {
  it("evicts the least recently used values while their weights sum past the bound, and never holds one heavier than it", async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 100, ttlMs: 60_000, weigh: (v) => v.length, maxWeight: 10 });
    await cache.getOrLoad("a", async () => "aaaa");
    await cache.getOrLoad("b", async () => "bbbb");
    cache.get("a");
    await cache.getOrLoad("c", async () => "cccc");
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["aaaa", undefined, "cccc"]);
    expect(cache.weight).toBe(8);
    await cache.getOrLoad("huge", async () => "x".repeat(11));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.weight).toBe(8);
  });
});
