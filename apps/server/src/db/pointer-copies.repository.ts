import type { Collection, Db } from "mongodb";
import { findOwnedById } from "./by-id.js";
import type { PointerCopyDoc, VersionDoc } from "./documents.js";
import { environmentKey } from "./environments.repository.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

/**
 * A copy of the version each environment pointer points at, under the pointer's own `_id`, so resolving an
 * environment reads the pointer and its version in one round trip (both by key) instead of two in
 * sequence. Versions are immutable, so a copy never goes stale; it may only lag a pointer that moved
 * meanwhile (or whose mover died between writing the copy and the pointer), which readers detect by
 * comparing the version id and answer by reading the version itself. The pointer stays the source of
 * truth, and its documents stay small: scans of the pointers (a prompt's environments) never carry
 * template bodies.
 */
export function createPointerCopiesRepository(db: Db) {
  const collection: Collection<PointerCopyDoc> = db.collection("pointer_copies");

  return {
    async ensureIndexes(): Promise<void> {
      // Abandoned prompt creations are cleaned up by prompt.
      await declareIndexes(collection, [{ key: { orgId: 1, promptId: 1 }, name: "prompt" }]);
    },

    /** Written by a mover once it owns the pointer's next revision, before it advances the pointer. */
    async put(scope: TenantScope, promptId: string, environment: string, version: VersionDoc): Promise<void> {
      const _id = environmentKey(promptId, environment);
      await collection.replaceOne({ _id }, { orgId: scope.orgId, promptId, environment, version }, { upsert: true });
    },

    /** The copied version, or null when there is none (the caller reads the version by id). */
    async get(scope: TenantScope, promptId: string, environment: string): Promise<VersionDoc | null> {
      return (await findOwnedById(collection, scope, environmentKey(promptId, environment)))?.version ?? null;
    },

    async deleteOfAbandonedPrompt(scope: TenantScope, promptId: string): Promise<void> {
      await collection.deleteMany({ orgId: scope.orgId, promptId });
    },
  };
}
export type PointerCopiesRepository = ReturnType<typeof createPointerCopiesRepository>;
