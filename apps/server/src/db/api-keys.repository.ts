import type { Collection, Db } from "mongodb";
import type { TApiKey, TApiKeyRole } from "@promptreg/contracts";
import type { ApiKeyDoc } from "./documents.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

/**
 * The role a stored key has now. Keys created before roles got finer (issue 14) have no `roleScheme`: their
 * `member` could move production and delete, which is today's `deployer`, so they keep exactly those
 * powers. Every key created since carries `roleScheme: 2` and means what it says. Docs: deploy.md, "Roles
 * and migration".
 */
export function effectiveRole(doc: Pick<ApiKeyDoc, "role" | "roleScheme">): TApiKeyRole {
  return doc.role === "member" && doc.roleScheme !== 2 ? "deployer" : doc.role;
}

export function toApiKey(doc: ApiKeyDoc): TApiKey {
  return {
    id: doc._id,
    name: doc.name,
    role: effectiveRole(doc),
    prefix: doc.prefix,
    createdAt: doc.createdAt.toISOString(),
    revokedAt: doc.revokedAt?.toISOString() ?? null,
  };
}

export function createApiKeysRepository(db: Db) {
  const collection: Collection<ApiKeyDoc> = db.collection("api_keys");
  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // Authentication of every request: findByHash.
        { key: { hash: 1 }, name: "hash_unique", unique: true },
        // Listing an organization's keys.
        { key: { orgId: 1, createdAt: -1 }, name: "org_created" },
        // Replicas read the keys revoked lately (revokedSince), after the deployment clock moved.
        { key: { revokedAt: 1 }, name: "revoked_at" },
      ]);
    },

    async insert(doc: ApiKeyDoc): Promise<TApiKey> {
      await collection.insertOne(doc);
      return toApiKey(doc);
    },

    /** Not tenant-scoped on purpose: this is how a request finds its tenant. */
    async findActiveByHash(hash: string): Promise<ApiKeyDoc | null> {
      return collection.findOne({ hash, revokedAt: null });
    },

    async findById(scope: TenantScope, keyId: string): Promise<TApiKey | null> {
      const doc = await collection.findOne({ _id: keyId, orgId: scope.orgId });
      return doc && toApiKey(doc);
    },

    async list(scope: TenantScope): Promise<TApiKey[]> {
      const docs = await collection.find({ orgId: scope.orgId }).sort({ createdAt: -1 }).toArray();
      return docs.map(toApiKey);
    },

    /** Keys of every organization revoked since `since` (inclusive), oldest first: for other replicas' caches. */
    async revokedSince(since: Date, limit: number): Promise<ApiKeyDoc[]> {
      return collection.find({ revokedAt: { $gte: since } }).sort({ revokedAt: 1 }).limit(limit).toArray();
    },

    /** Returns the revoked key's hash (to drop it from the auth cache), or null when no such live key. */
    async revoke(scope: TenantScope, keyId: string): Promise<string | null> {
      const doc = await collection.findOneAndUpdate(
        { _id: keyId, orgId: scope.orgId, revokedAt: null },
        { $set: { revokedAt: new Date() } },
        { returnDocument: "after" },
      );
      return doc?.hash ?? null;
    },
  };
}
export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
