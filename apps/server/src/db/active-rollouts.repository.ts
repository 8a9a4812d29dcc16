import type { Collection, Db } from "mongodb";
import type { ActiveRolloutDoc } from "./documents.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import type { TenantScope } from "./scope.js";

/** The most active rollouts one evaluation reads (every organization's together). */
export const MAX_ACTIVE_ROLLOUTS_READ = 10_000;

/**
 * The index of active rollouts that the automatic rollback evaluates: one document per active rollout,
 * under the rollout's id. It holds nothing else (a rollout's entry is inserted before it starts and
 * deleted once it ends), so reading it whole reads the active rollouts only, however many pointers and
 * ended rollouts the registry has. The environment pointer stays the truth: an entry whose rollout is not
 * (or no longer) the pointer's active one is stale and removed by the evaluator.
 */
export function createActiveRolloutsRepository(db: Db) {
  const collection: Collection<ActiveRolloutDoc> = db.collection("active_rollouts");

  return {
    async ensureIndexes(): Promise<void> {
      // Read whole, addressed by `_id`: no other index.
    },

    /** Idempotent: a retried start inserts the same entry. */
    async add(scope: TenantScope, entry: { id: string; promptId: string; environment: string }): Promise<void> {
      try {
        await collection.insertOne({ _id: entry.id, orgId: scope.orgId, promptId: entry.promptId, environment: entry.environment, createdAt: new Date() });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    },

    async remove(rolloutId: string): Promise<void> {
      await collection.deleteOne({ _id: rolloutId });
    },

    /** Every entry (at most MAX_ACTIVE_ROLLOUTS_READ, oldest rollouts first by id). */
    async all(): Promise<ActiveRolloutDoc[]> {
      return collection.find({}).sort({ _id: 1 }).limit(MAX_ACTIVE_ROLLOUTS_READ).toArray();
    },
  };
}
export type ActiveRolloutsRepository = ReturnType<typeof createActiveRolloutsRepository>;
