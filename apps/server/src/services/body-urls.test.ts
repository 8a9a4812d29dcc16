import { describe, expect, it } from "vitest";
import { createBodyUrlSigner } from "./body-urls.js";

describe("signed body URLs", () => {
  const signer = createBodyUrlSigner(["s".repeat(32)], 600);
  const now = Date.UTC(2026, 0, 1);

  const parts = (url: string) => {
    const u = new URL(url);
    return { path: u.pathname, expires: u.searchParams.get("expires")!, signature: u.searchParams.get("signature")! };
  };

  it("verifies its own URLs until they expire", () => {
    const { path, expires, signature } = parts(signer.sign("http://h", "v1", now));
    expect(path).toBe("/v1/prompt-body/v1");
    expect(signer.verify("v1", expires, signature, now)).toBe(true);
    expect(signer.verify("v1", expires, signature, now + 599_000)).toBe(true);
    expect(signer.verify("v1", expires, signature, now + 3_600_000)).toBe(false);
  });

  it("refuses another version, another secret, a changed expiry or garbage", () => {
    const { expires, signature } = parts(signer.sign("http://h", "v1", now));
    expect(signer.verify("v2", expires, signature, now)).toBe(false);
    expect(createBodyUrlSigner(["t".repeat(32)], 600).verify("v1", expires, signature, now)).toBe(false);
    expect(signer.verify("v1", String(Number(expires) + 60), signature, now)).toBe(false);
    expect(signer.verify("v1", undefined, signature, now)).toBe(false);
    expect(signer.verify("v1", "1e99", signature, now)).toBe(false);
    expect(signer.verify("v1", expires, "short", now)).toBe(false);
  });

  it("hands out one URL per version and base within a minute, a new one (still valid) after it", () => {
    const t0 = now + 1_000; // 1 s into a minute: t0 and t0 + 30 s round up to the same expiry
    const first = signer.sign("http://h", "v1", t0);
    expect(signer.sign("http://h", "v1", t0 + 30_000)).toBe(first);
    expect(signer.sign("http://other", "v1", t0)).not.toBe(first);
    const later = signer.sign("http://h", "v1", t0 + 61_000);
    expect(later).not.toBe(first);
    const { expires, signature } = parts(later);
    expect(signer.verify("v1", expires, signature, t0 + 61_000)).toBe(true);
    // Back to an earlier minute (clock skew in a test): still that minute's URL, not the memo's.
    expect(signer.sign("http://h", "v1", t0)).toBe(first);
  });

  it("rotates: the first secret signs, every listed one verifies, a dropped one no longer does", () => {
    const [old, next] = ["o".repeat(32), "n".repeat(32)];
    const issuedBefore = parts(createBodyUrlSigner([old], 600).sign("http://h", "v1", now));
    const rotating = createBodyUrlSigner([next, old], 600);
    expect(rotating.verify("v1", issuedBefore.expires, issuedBefore.signature, now)).toBe(true);
    const issuedAfter = parts(rotating.sign("http://h", "v1", now));
    expect(issuedAfter.signature).not.toBe(issuedBefore.signature);
    expect(createBodyUrlSigner([next], 600).verify("v1", issuedAfter.expires, issuedAfter.signature, now)).toBe(true);
    expect(createBodyUrlSigner([old], 600).verify("v1", issuedAfter.expires, issuedAfter.signature, now)).toBe(false);
    // The old secret dropped: what it signed (or whoever holds it mints) is refused.
    expect(createBodyUrlSigner([next], 600).verify("v1", issuedBefore.expires, issuedBefore.signature, now)).toBe(false);
  });

  it("keeps at most ~10,000 short URLs in its memo, whatever base URLs (Host headers) it is given", () => {
    const memoizing = createBodyUrlSigner(["s".repeat(32)], 600);
    const longHost = `http://${"h".repeat(16_000)}`;
    for (let i = 0; i < 100; i++) expect(memoizing.sign(`${longHost}${i}`, "v1", now)).toContain("/v1/prompt-body/v1?");
    expect(memoizing.memoized).toBe(0);
    for (let i = 0; i < 25_000; i++) memoizing.sign(`http://h${i}`, "v1", now);
    expect(memoizing.memoized).toBeLessThanOrEqual(10_001);
  });
});
