import { isDatabaseUnavailable } from "../errors.js";
import type { DeploymentEvents } from "./events.js";
import { ExpiringCache } from "./expiring-cache.js";
import type { StoredVersion } from "./version-lookup.js";

export interface ResolvedCacheOptions {
  /** How long an answer may come from memory at most (changes invalidate at once). */
  ttlMs: number;
  maxEntries: number;
}

export interface ReadOptions {
  /** Read the database even when a cached answer is at hand (the answer then refreshes the cache). */
  fresh?: boolean;
}

/**
 * Prompt fetches answered from memory (a version with its environments and stored body), so an SDK
 * fetching its prompt costs no database read: what an environment resolves to, and a version by id. An
 * entry is dropped the moment anything about its prompt changes: a pointer of the prompt moves (a
 * version's environment list changes with any of them), the prompt is deleted or a version hidden; on
 * this replica at once, from other replicas through the DeploymentFeed. `ttlMs` bounds an entry's life
 * whatever happens. While the database is unreachable, expired entries keep answering (stale-if-error),
 * as the gateway's resolution does.
 *
 * Dropping a prompt's entries bumps the prompt's generation, which is part of every key: O(1) per change,
 * and a read that started before the change stores its answer under the old generation, where no one
 * looks it up again (it ages out of the LRU).
 */
export function createResolvedCache(events: DeploymentEvents, options: ResolvedCacheOptions) {
  const entries = new ExpiringCache<StoredVersion>(options.maxEntries, options.ttlMs, isDatabaseUnavailable);
  const generations = new Map<string, number>();
  const promptKey = (orgId: string, promptId: string) => `${orgId}\u0000${promptId}`;
  const drop = (orgId: string, promptId: string) => {
    const key = promptKey(orgId, promptId);
    if (generations.size >= 100_000 && !generations.has(key)) {
      // Forgetting generations would resurrect older keys: drop every entry with them.
      generations.clear();
      entries.clear();
    }
    generations.set(key, (generations.get(key) ?? 0) + 1);
  };
  events.subscribe((change) => drop(change.orgId, change.promptId));
  events.subscribePromptChanges((change) => drop(change.orgId, change.promptId));

  return {
    /** The answer `what` (e.g. an environment, a version id) of a prompt; `load` reads it when needed. */
    get(orgId: string, promptId: string, what: string, fresh: boolean, load: () => Promise<StoredVersion>): Promise<StoredVersion> {
      const prompt = promptKey(orgId, promptId);
      const key = `${prompt}\u0000${generations.get(prompt) ?? 0}\u0000${what}`;
      return fresh ? entries.reload(key, load) : entries.getOrLoad(key, load);
    },
  };
}
export type ResolvedCache = ReturnType<typeof createResolvedCache>;
