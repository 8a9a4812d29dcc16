import type { Collection, Db } from "mongodb";
import type { TOrganization } from "@promptreg/contracts";
import type { OrganizationDoc } from "./documents.js";
import { isDuplicateKeyError } from "./duplicate-key.js";

export function toOrganization(doc: OrganizationDoc): TOrganization {
  return { id: doc._id, name: doc.name, createdAt: doc.createdAt.toISOString() };
}

/** Organizations are the tenants; looked up by _id only, so no secondary index. */
export function createOrganizationsRepository(db: Db) {
  const collection: Collection<OrganizationDoc> = db.collection("organizations");
  return {
    async ensureIndexes(): Promise<void> {},

    async insert(doc: OrganizationDoc): Promise<TOrganization> {
      await collection.insertOne(doc);
      return toOrganization(doc);
    },

    /** Creates the organization when absent (start-up of the default organization, racing replicas). */
    async ensure(id: string, name: string): Promise<void> {
      try {
        await collection.updateOne({ _id: id }, { $setOnInsert: { name, createdAt: new Date() } }, { upsert: true });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    },

    async findById(id: string): Promise<TOrganization | null> {
      const doc = await collection.findOne({ _id: id });
      return doc && toOrganization(doc);
    },
  };
}
export type OrganizationsRepository = ReturnType<typeof createOrganizationsRepository>;
