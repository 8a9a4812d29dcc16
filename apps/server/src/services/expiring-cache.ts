/**
 * A bounded map with per-entry expiry, shared in-flight loads, and invalidation that wins races: a load
 * that started before `delete(key)` never stores its (possibly stale) result. LRU by insertion order
 * refreshed on hit, which is all a resolution cache needs.
 *
 * Expired entries stay (until evicted) so that `getOrLoad` can serve them when the reload fails in a way
 * `staleOnError` accepts (the database is down): stale-if-error. An invalidated entry is gone for good.
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #loading = new Map<string, Promise<V>>();
  /** Bumped by every invalidation of a key (or of everything), so in-flight loads can tell. */
  readonly #epochs = new Map<string, number>();
  #globalEpoch = 0;
  hits = 0;
  misses = 0;

  staleServed = 0;

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
    /** Which load failures may be answered with an expired entry. */
    readonly staleOnError: (error: unknown) => boolean = () => false,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry || entry.expiresAt <= now) return undefined;
    // Refresh recency: Map keeps insertion order, so the first key is always the least recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const epoch = this.#epoch(key);
    const promise = load().then(
      (value) => {
        if (this.#loading.get(key) === promise) this.#loading.delete(key);
        if (this.#epoch(key) === epoch) this.set(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.#loading.get(key) === promise) this.#loading.delete(key);
        const stale = this.#entries.get(key);
        if (stale && this.#epoch(key) === epoch && this.staleOnError(error)) {
          this.staleServed++;
          return stale.value;
        }
        throw error;
      },
    );
    this.#loading.set(key, promise);
    return promise;
  }

  /**
   * Loads past the cached entry (a caller that wants the source's answer) and stores the result. A failed
   * load leaves the entry as it was, so other callers keep their stale-if-error answer.
   */
  async reload(key: string, load: () => Promise<V>): Promise<V> {
    this.misses++;
    const epoch = this.#epoch(key);
    const value = await load();
    if (this.#epoch(key) === epoch) this.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0 || this.ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(key: string): void {
    this.#entries.delete(key);
    this.#loading.delete(key);
    this.#epochs.set(key, (this.#epochs.get(key) ?? 0) + 1);
    // Epochs only matter while a load is in flight; keep the map from growing without bound.
    if (this.#epochs.size > this.maxEntries * 2) {
      this.#epochs.clear();
      this.#globalEpoch++;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#loading.clear();
    this.#epochs.clear();
    this.#globalEpoch++;
  }

  get size(): number {
    return this.#entries.size;
  }

  #epoch(key: string): string {
    return `${this.#globalEpoch}:${this.#epochs.get(key) ?? 0}`;
  }
}
