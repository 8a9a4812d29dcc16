/**
 * A bounded map with per-entry expiry, shared in-flight loads, and invalidation that wins races: a load
 * that started before `delete(key)` never stores its (possibly stale) result. LRU by insertion order
 * refreshed on hit, which is all a resolution cache needs.
 *
 * Answers that something does not exist (`null`) are kept apart, in a smaller map with a shorter life:
 * their keys come from callers (any id anyone asks for), so a flood of unknown ids must neither grow
 * memory past that map's bound nor evict the entries real traffic needs.
 *
 * Expired entries stay (until evicted) so that `getOrLoad` can serve them when the reload fails in a way
 * `staleOnError` accepts (the database is down): stale-if-error. An invalidated entry is gone for good.
 */
export interface ExpiringCacheOptions<V> {
  maxEntries: number;
  ttlMs: number;
  /** Which load failures may be answered with an expired entry. */
  staleOnError?: (error: unknown) => boolean;
  /** Bound of the `null` entries (default: no caching of them). */
  negative?: { maxEntries: number; ttlMs: number };
  /** With `maxWeight`: entries are also evicted (least recently used first) while their weights sum past it. */
  weigh?: (value: V) => number;
  maxWeight?: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  weight: number;
}

class BoundedMap<V> {
  readonly entries = new Map<string, Entry<V>>();
  weight = 0;
  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
    readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {}

  set(key: string, value: V, weight: number): void {
    if (this.maxEntries <= 0 || this.ttlMs <= 0 || weight > this.maxWeight) return;
    this.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs, weight });
    this.weight += weight;
    while (this.entries.size > this.maxEntries || this.weight > this.maxWeight) this.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }
}

/** The unexpired value of `key`, made the most recently used: Map keeps insertion order, so the first key is always the least recently used. */
function live<V>(map: BoundedMap<V>, key: string, now: number): V | undefined {
  const entry = map.entries.get(key);
  if (!entry || entry.expiresAt <= now) return undefined;
  map.entries.delete(key);
  map.entries.set(key, entry);
  return entry.value;
}

export class ExpiringCache<V> {
  readonly #values: BoundedMap<V>;
  readonly #missing: BoundedMap<null>;
  readonly #loading = new Map<string, Promise<V | null>>();
  /** Bumped by every invalidation of a key (or of everything), so in-flight loads can tell. */
  readonly #epochs = new Map<string, number>();
  #globalEpoch = 0;
  readonly #weigh: (value: V) => number;
  readonly #staleOnError: (error: unknown) => boolean;
  hits = 0;
  misses = 0;
  staleServed = 0;

  constructor(options: ExpiringCacheOptions<V>) {
    this.#values = new BoundedMap(options.maxEntries, options.ttlMs, options.maxWeight);
    this.#missing = new BoundedMap(options.negative?.maxEntries ?? 0, options.negative?.ttlMs ?? 0);
    this.#weigh = options.weigh ?? (() => 0);
    this.#staleOnError = options.staleOnError ?? (() => false);
  }

  /** The live entry of `key`: its value, `null` when it is known not to exist, undefined when unknown. */
  get(key: string, now = Date.now()): V | null | undefined {
    const value = live(this.#values, key, now);
    return value !== undefined ? value : live(this.#missing, key, now);
  }

  async getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null> {
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
        const stale = this.#values.entries.get(key) ?? this.#missing.entries.get(key);
        if (stale && this.#epoch(key) === epoch && this.#staleOnError(error)) {
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
  async reload(key: string, load: () => Promise<V | null>): Promise<V | null> {
    this.misses++;
    const epoch = this.#epoch(key);
    const value = await load();
    if (this.#epoch(key) === epoch) this.set(key, value);
    return value;
  }

  set(key: string, value: V | null): void {
    if (value === null) {
      this.#values.delete(key);
      this.#missing.set(key, null, 0);
    } else {
      this.#missing.delete(key);
      this.#values.set(key, value, this.#weigh(value));
    }
  }

  delete(key: string): void {
    this.#values.delete(key);
    this.#missing.delete(key);
    this.#loading.delete(key);
    this.#epochs.set(key, (this.#epochs.get(key) ?? 0) + 1);
    // Epochs only matter while a load is in flight; keep the map from growing without bound.
    if (this.#epochs.size > (this.#values.maxEntries + this.#missing.maxEntries) * 2) {
      this.#epochs.clear();
      this.#globalEpoch++;
    }
  }

  clear(): void {
    this.#values.clear();
    this.#missing.clear();
    this.#loading.clear();
    this.#epochs.clear();
    this.#globalEpoch++;
  }

  /** Entries held: values, and answers that something does not exist. */
  get size(): number {
    return this.#values.entries.size + this.#missing.entries.size;
  }

  get weight(): number {
    return this.#values.weight;
  }

  #epoch(key: string): string {
    return `${this.#globalEpoch}:${this.#epochs.get(key) ?? 0}`;
  }
}
