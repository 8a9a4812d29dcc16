// A circuit breaker per provider: after `failureThreshold` consecutive failures (5xx, timeouts, connection
// errors: the provider is down, not the caller's request wrong) the provider is skipped for `cooldownMs`;
// then one probe call is let through (half-open): its success closes the breaker, its failure opens it for
// another cool-down. 429s do not count: they are about a key's quota, often the caller's own key, and a
// chain already moves on past them.

export type BreakerState = "closed" | "open" | "half_open";

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private current: BreakerState = "closed";
  private probing = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Ms until an open breaker lets a probe through (0 when it would now). */
  retryInMs(): number {
    return this.current === "open" ? Math.max(0, this.openedAt + this.cooldownMs - this.now()) : 0;
  }

  /** May a call go to this provider now? An open breaker past its cool-down lets exactly one probe go. */
  allow(): boolean {
    if (this.failureThreshold === 0 || this.current === "closed") return true;
    if (this.current === "open" && this.now() - this.openedAt >= this.cooldownMs) {
      this.current = "half_open";
      this.probing = true;
      return true;
    }
    if (this.current === "half_open" && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.current = "closed";
    this.probing = false;
  }

  failure(): void {
    if (this.failureThreshold === 0) return;
    this.failures++;
    if (this.current === "half_open" || this.failures >= this.failureThreshold) {
      this.current = "open";
      this.openedAt = this.now();
    }
    this.probing = false;
  }

  /** A call that ended with no verdict (the caller hung up): a probe slot is free again. */
  release(): void {
    this.probing = false;
  }
}
