import { ObjectId, type Collection, type Db } from "mongodb";
import type { PromptChangeDoc } from "./documents.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

/**
 * The append-only log of prompt deletions and version hides: other replicas read it (after the deployment
 * clock moved) to drop what they cached of those prompts, as they read the deployment history for pointers.
 */
export function createPromptChangesRepository(db: Db) {
  const collection: Collection<PromptChangeDoc> = db.collection("prompt_changes");

  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // Replicas tail the log for entries newer than the last they saw (cache invalidation).
        { key: { at: 1 }, name: "at" },
      ]);
    },

    async append(scope: TenantScope, entry: Omit<PromptChangeDoc, "_id" | "orgId">): Promise<PromptChangeDoc> {
      const doc: PromptChangeDoc = { _id: new ObjectId(), orgId: scope.orgId, ...entry };
      await collection.insertOne(doc);
      return doc;
    },

    /** Entries of every organization since `since` (inclusive), oldest first: for cache invalidation only. */
    async since(since: Date, limit: number): Promise<PromptChangeDoc[]> {
      return collection.find({ at: { $gte: since } }).sort({ at: 1 }).limit(limit).toArray();
    },
  };
}
export type PromptChangesRepository = ReturnType<typeof createPromptChangesRepository>;
