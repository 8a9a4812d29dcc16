import { describe, expect, it } from "vitest";
import { API_KEY_ROLES, ROLLOUT_BUCKETS, bucketServesCandidate, murmur3x86_32, roleAtLeast, rolloutBucket, rolloutSubject, servesCandidate, utf8Bytes } from "./index.js";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("murmur3x86_32", () => {
  it("matches the reference implementation's published vectors", () => {
    expect(murmur3x86_32(utf8(""), 0)).toBe(0);
    expect(murmur3x86_32(utf8(""), 1)).toBe(0x514e28b7);
    expect(murmur3x86_32(utf8("hello"), 0)).toBe(0x248bfa47);
    expect(murmur3x86_32(utf8("Hello, world!"), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3x86_32(utf8("The quick brown fox jumps over the lazy dog"), 0)).toBe(0x2e4ff723);
  });

  it("hashes the same UTF-8 bytes as TextEncoder, astral characters and lone surrogates included", () => {
    for (const text of ["", "ascii", "café", "日本語", "emoji 😀 ok", "lone \ud800 x", "end \udc00"]) {
      expect(Array.from(utf8Bytes(text))).toEqual(Array.from(utf8(text)));
    }
  });
});

describe("the rollout split", () => {
  it("puts each subject in one bucket, the same every time, and different rollouts draw afresh", () => {
    const bucket = rolloutBucket("r1", "user-42");
    expect(bucket).toBeGreaterThanOrEqual(0);
    expect(bucket).toBeLessThan(ROLLOUT_BUCKETS);
    expect(rolloutBucket("r1", "user-42")).toBe(bucket);
    const moved = Array.from({ length: 200 }, (_, i) => rolloutBucket("r1", `u${i}`) !== rolloutBucket("r2", `u${i}`));
    expect(moved.filter(Boolean).length).toBeGreaterThan(190);
  });

  it("hashes exactly the UTF-8 bytes of rolloutId:subject, short or long (the reused buffer grows), any script", () => {
    for (const subject of ["u1", "é", "😀".repeat(5), "x".repeat(300), "日本".repeat(400), "y".repeat(100_000), "u1"]) {
      expect(rolloutBucket("r9", subject)).toBe(murmur3x86_32(utf8(`r9:${subject}`)) % ROLLOUT_BUCKETS);
    }
  });

  it("serves the candidate to about weight percent of subjects, and raising the weight only adds subjects", () => {
    const subjects = Array.from({ length: 10_000 }, (_, i) => `subject-${i}`);
    let previous = new Set<string>();
    for (const weight of [0, 1, 10, 25, 50, 90, 100]) {
      const served = new Set(subjects.filter((s) => servesCandidate("rollout-a", s, weight)));
      expect(Math.abs(served.size / subjects.length - weight / 100)).toBeLessThan(0.015);
      for (const s of previous) expect(served.has(s)).toBe(true);
      previous = served;
    }
    expect(bucketServesCandidate(0, 0)).toBe(false);
    expect(bucketServesCandidate(ROLLOUT_BUCKETS - 1, 100)).toBe(true);
    expect(bucketServesCandidate(99, 0.01)).toBe(false);
    expect(bucketServesCandidate(0, 0.01)).toBe(true);
  });
});

describe("a call's subject", () => {
  it("is the explicit one, else user, else safety_identifier; empty or non-string values count as none", () => {
    expect(rolloutSubject("s", { user: "u", safety_identifier: "x" })).toBe("s");
    expect(rolloutSubject("", { user: "u" })).toBe("u");
    expect(rolloutSubject(undefined, { user: "", safety_identifier: "x" })).toBe("x");
    expect(rolloutSubject(null, { user: 42, safety_identifier: ["x"] })).toBeNull();
    expect(rolloutSubject(undefined, {})).toBeNull();
  });
});

describe("roles", () => {
  it("are ordered from runtime to admin", () => {
    expect(API_KEY_ROLES).toEqual(["runtime", "member", "deployer", "admin"]);
    expect(roleAtLeast("admin", "deployer")).toBe(true);
    expect(roleAtLeast("member", "deployer")).toBe(false);
    expect(roleAtLeast("runtime", "runtime")).toBe(true);
    expect(roleAtLeast("runtime", "member")).toBe(false);
  });
});
