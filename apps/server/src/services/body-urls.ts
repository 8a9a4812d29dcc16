import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Presigned URLs for version bodies, standing in for Helicone's S3 URLs: Helicone's SDK fetches `s3_url`
 * with a bare fetch (no Authorization header) and expects the raw body JSON. The URL carries an expiry
 * and an HMAC over (version id, expiry), so it grants read access to that one body until it expires.
 *
 * Secrets rotate: the first of `secrets` signs, every one of them verifies. Put a new secret first and keep
 * the old one after it for one URL lifetime (PROMPTREG_BODY_URL_TTL_SECONDS), then drop it: URLs handed out
 * before keep working until they expire, and a leaked secret stops minting valid URLs once it is dropped.
 */
export interface BodyUrlSigner {
  sign(baseUrl: string, versionId: string, now?: number): string;
  verify(versionId: string, expires: string | undefined, signature: string | undefined, now?: number): boolean;
  /** Signed URLs held in the memo (bounded whatever Host headers clients send). */
  readonly memoized: number;
}

export const BODY_URL_PATH = "/v1/prompt-body";

/** Longest base URL whose signed URLs are memoised (see `sign`). */
const MAX_MEMOIZED_BASE_URL = 256;

export function createBodyUrlSigner(secrets: readonly string[], ttlSeconds: number): BodyUrlSigner {
  if (secrets.length === 0) throw new Error("createBodyUrlSigner needs at least one secret");
  const mac = (secret: string, versionId: string, expires: number) =>
    createHmac("sha256", secret).update(`${versionId}\n${expires}`).digest("base64url");
  const signing = secrets[0]!;
  // Every prompt fetch hands out a URL, and within a minute a version's URL is the same: an HMAC per
  // fetch was 6 % of a cached fetch's CPU. Cleared when the minute changes, so it holds one minute's URLs.
  let memoExpires = 0;
  const memo = new Map<string, string>();

  return {
    sign(baseUrl, versionId, now = Date.now()) {
      // Expiries are rounded up to the minute so the URL of a version is stable within that minute,
      // which lets clients and caches reuse it.
      const expires = Math.ceil((now / 1000 + ttlSeconds) / 60) * 60;
      if (expires !== memoExpires || memo.size > 10_000) {
        memo.clear();
        memoExpires = expires;
      }
      const key = `${baseUrl}\u0000${versionId}`;
      let url = memo.get(key);
      if (url === undefined) {
        url = `${baseUrl}${BODY_URL_PATH}/${encodeURIComponent(versionId)}?expires=${expires}&signature=${mac(signing, versionId, expires)}`;
        // Without PROMPTREG_PUBLIC_URL the base URL comes from the request's Host header: a long one is
        // signed but not kept, so the memo stays within ~10,000 short URLs whatever clients send.
        if (baseUrl.length <= MAX_MEMOIZED_BASE_URL) memo.set(key, url);
      }
      return url;
    },
    get memoized() {
      return memo.size;
    },
    verify(versionId, expires, signature, now = Date.now()) {
      if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return false;
      const expiresAt = Number(expires);
      if (expiresAt * 1000 < now) return false;
      const given = Buffer.from(signature);
      // Every secret is tried (no early exit), each compared in constant time.
      let valid = false;
      for (const secret of secrets) {
        const expected = Buffer.from(mac(secret, versionId, expiresAt));
        if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
      }
      return valid;
    },
  };
}
