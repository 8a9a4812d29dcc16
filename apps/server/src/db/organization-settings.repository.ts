import type { Collection, Db } from "mongodb";
import { findOwnedById } from "./by-id.js";
import type { DocumentLocks } from "./document-locks.js";
import type { OrganizationSettingsDoc } from "./documents.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

/**
 * An organization's settings, one document per organization under its id (protected environments, issue
 * 14). Read by bare `_id`; changed under the document's lock (FerretDB applies updates as read, modify,
 * write back, so two concurrent changes could otherwise lose one).
 */
export function createOrganizationSettingsRepository(db: Db, locks: DocumentLocks) {
  const collection: Collection<OrganizationSettingsDoc> = db.collection("organization_settings");
  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // Other replicas read the settings changed lately (changedSince), after the deployment clock moved.
        { key: { updatedAt: 1 }, name: "updated_at" },
      ]);
    },

    find: (scope: TenantScope) => findOwnedById(collection, scope, scope.orgId),

    /** Runs `update` holding the organization's settings lock: read, change, write back. */
    locked<T>(scope: TenantScope, update: () => Promise<T>): Promise<T> {
      return locks.run(`organization-settings:${scope.orgId}`, update);
    },

    async put(scope: TenantScope, doc: Omit<OrganizationSettingsDoc, "_id" | "orgId">): Promise<void> {
      await collection.replaceOne({ _id: scope.orgId }, { orgId: scope.orgId, ...doc }, { upsert: true });
    },

    /** Settings of every organization changed since `since` (inclusive): for other replicas' caches. */
    async changedSince(since: Date, limit: number): Promise<OrganizationSettingsDoc[]> {
      return collection.find({ updatedAt: { $gte: since } }).sort({ updatedAt: 1 }).limit(limit).toArray();
    },
  };
}
export type OrganizationSettingsRepository = ReturnType<typeof createOrganizationSettingsRepository>;
