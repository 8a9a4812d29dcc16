export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Buckets kept at most; past it the least recently seen callers are forgotten (they start full again). */
const MAX_BUCKETS = 100_000;

/**
 * A token bucket per caller: `perMinute` tokens, refilled continuously, so a caller may burst up to a
 * minute's allowance and then sustains `perMinute`. In memory, per replica: behind a load balancer the
 * cluster-wide limit is replicas × perMinute. One small class rather than express-rate-limit because the
 * entry points that run outside Express (the gateway, the hot routes) must share the same buckets.
 * Callers are ids we derive (a key's id, a client address), never raw header text; and the map is capped.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMs: number;

  constructor(readonly perMinute: number) {
    this.#perMs = perMinute / 60_000;
  }

  /** Takes one token from the caller's bucket. */
  take(caller: string, now = Date.now()): RateDecision {
    return this.#decide(caller, now, true);
  }

  /** Whether `take` would allow the caller now, without taking anything. */
  peek(caller: string, now = Date.now()): RateDecision {
    return this.#decide(caller, now, false);
  }

  #decide(caller: string, now: number, consume: boolean): RateDecision {
    if (this.perMinute <= 0) return { allowed: true };
    const bucket = this.#buckets.get(caller);
    if (!bucket && !consume) return { allowed: true };
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
    this.#buckets.set(caller, { tokens: consume ? tokens - 1 : tokens, at: now });
    return { allowed: true };
  }

  get size(): number {
    return this.#buckets.size;
  }
}
