// The rollout split (API.md, "Rollouts"): which arm a subject is served. It lives here, below the server
// and the client, so that the gateway, the typed client's prompt manager and the dashboard compute the
// same answer for the same subject without talking to each other.
//
// A subject's bucket is MurmurHash3 (x86, 32-bit, seed 0) of the UTF-8 bytes of `<rolloutId>:<subject>`,
// modulo 10,000. The candidate serves the buckets below `weight × 100`, so:
// - deterministic and coordination-free: every replica and client computes it from the rollout id alone;
// - sticky: the bucket depends only on the rollout and the subject, never on the weight or the time;
// - monotone: raising the weight only adds buckets to the candidate's side, never removes any;
// - independent across rollouts: a new rollout (new id) draws its subjects afresh.

/** Buckets a subject can fall into: weights are honoured to 0.01 %. */
export const ROLLOUT_BUCKETS = 10_000;

/** Reused by rolloutBucket (the gateway hashes one subject per call): grown on demand up to MAX_SCRATCH_BYTES. */
const MAX_SCRATCH_BYTES = 65_536;
let scratch = new Uint8Array(256);

/**
 * Writes the UTF-8 bytes of `text` into `out` from 0 (lone surrogates as U+FFFD, as TextEncoder does) and
 * answers how many. `out` must hold `3 × text.length` bytes. Written here because contracts run in Node and
 * browsers alike and depend on neither's globals.
 */
function encodeUtf8Into(text: string, out: Uint8Array): number {
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[at++] = code;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x800) {
      out[at++] = 0xc0 | (code >> 6);
      out[at++] = 0x80 | (code & 0x3f);
    } else if (code < 0x10000) {
      out[at++] = 0xe0 | (code >> 12);
      out[at++] = 0x80 | ((code >> 6) & 0x3f);
      out[at++] = 0x80 | (code & 0x3f);
    } else {
      out[at++] = 0xf0 | (code >> 18);
      out[at++] = 0x80 | ((code >> 12) & 0x3f);
      out[at++] = 0x80 | ((code >> 6) & 0x3f);
      out[at++] = 0x80 | (code & 0x3f);
    }
  }
  return at;
}

/** UTF-8 bytes of `text`, as TextEncoder gives them. */
export function utf8Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  return out.slice(0, encodeUtf8Into(text, out));
}

/**
 * MurmurHash3 x86_32 (Austin Appleby's reference algorithm) of the first `length` bytes of `bytes`, as an
 * unsigned 32-bit integer.
 */
export function murmur3x86_32(bytes: Uint8Array, seed = 0, length = bytes.length): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const at = i << 2;
    let k = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The 1-3 bytes past the last whole block (the reference's fall-through switch, written without one).
  const tail = blocks << 2;
  const rest = length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The subject's bucket in the rollout, in [0, ROLLOUT_BUCKETS). */
export function rolloutBucket(rolloutId: string, subject: string): number {
  const key = `${rolloutId}:${subject}`;
  const needed = key.length * 3;
  // A subject is the caller's (a header, a body field): the shared buffer grows to 64 KB at most; a longer
  // subject gets a buffer of its own, so one odd call does not keep megabytes alive.
  if (scratch.length < needed && needed <= MAX_SCRATCH_BYTES) scratch = new Uint8Array(needed);
  const out = scratch.length >= needed ? scratch : new Uint8Array(needed);
  return murmur3x86_32(out, 0, encodeUtf8Into(key, out)) % ROLLOUT_BUCKETS;
}

/** True when a rollout at `weight` percent (0-100) serves its candidate to the subject in `bucket`. */
export function bucketServesCandidate(bucket: number, weight: number): boolean {
  return bucket < Math.round(weight * (ROLLOUT_BUCKETS / 100));
}

/**
 * True when the rollout serves its candidate to `subject`. A call without a subject draws at random
 * (pass `null`): it is not sticky, as API.md says.
 */
export function servesCandidate(rolloutId: string, subject: string | null, weight: number): boolean {
  const bucket = subject === null ? Math.floor(Math.random() * ROLLOUT_BUCKETS) : rolloutBucket(rolloutId, subject);
  return bucketServesCandidate(bucket, weight);
}

/**
 * Whom a call is for, for the split (API.md "Rollouts"): `explicit` (the gateway's `x-prompt-subject`
 * header, the client's `subject`), else the body's `user`, else its `safety_identifier`; an empty or
 * non-string value counts as none. null: no subject (a random draw). The gateway and the typed client both
 * take it from here, so they pick the same arm for the same call.
 */
export function rolloutSubject(explicit: string | null | undefined, body: Readonly<Record<string, unknown>>): string | null {
  if (explicit) return explicit;
  for (const value of [body["user"], body["safety_identifier"]]) if (typeof value === "string" && value !== "") return value;
  return null;
}
