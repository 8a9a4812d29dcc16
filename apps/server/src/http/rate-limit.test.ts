import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.js";

describe("RateLimiter", () => {
  it("allows a minute's allowance in a burst, then refuses with the wait until the next token", () => {
    const limiter = new RateLimiter(60); // one token a second
    const t0 = 1_000_000;
    for (let i = 0; i < 60; i++) expect(limiter.take("k", t0).allowed).toBe(true);
    expect(limiter.take("k", t0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take("k", t0 + 1000).allowed).toBe(true);
    expect(limiter.take("k", t0 + 1000).allowed).toBe(false);
  });

  it("keeps callers apart, and 0 means no limit", () => {
    const limiter = new RateLimiter(1);
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
    const off = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(off.take("a").allowed).toBe(true);
  });
});
