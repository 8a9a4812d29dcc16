import type { IncomingMessage } from "node:http";

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Buckets kept at most; past it the least recently seen callers are forgotten (they start full again). */
const MAX_BUCKETS = 100_000;

/**
 * A token bucket per caller: `perMinute` tokens, refilled continuously, so a caller may burst up to a
 * minute's allowance and then sustains `perMinute`. In memory, per replica: behind a load balancer the
 * cluster-wide limit is replicas × perMinute. One small class rather than express-rate-limit because the
 * gateway's fast path runs outside Express and must share the same buckets.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMs: number;

  constructor(readonly perMinute: number) {
    this.#perMs = perMinute / 60_000;
  }

  take(caller: string, now = Date.now()): RateDecision {
    if (this.perMinute <= 0) return { allowed: true };
    const bucket = this.#buckets.get(caller);
    let tokens = this.perMinute;
    if (bucket) {
      tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.#perMs);
      this.#buckets.delete(caller); // re-inserted below: Map order is recency order
    } else if (this.#buckets.size >= MAX_BUCKETS) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    if (tokens < 1) {
      this.#buckets.set(caller, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000)) };
    }
    this.#buckets.set(caller, { tokens: tokens - 1, at: now });
    return { allowed: true };
  }
}

/** Who a request counts against: its API key (the header as sent), else the client address. */
export function callerOf(req: IncomingMessage): string {
  const authorization = req.headers.authorization;
  return authorization ? `key:${authorization}` : `ip:${req.socket.remoteAddress ?? "unknown"}`;
}

export const rateLimitMessage = (limiter: RateLimiter, retryAfterSeconds: number) =>
  `rate limit exceeded: ${limiter.perMinute} requests per minute per API key; retry in ${retryAfterSeconds} s`;
