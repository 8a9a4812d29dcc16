import type { TPromptVersion } from "@promptreg/contracts";
import type { Collection, Db, Filter } from "mongodb";
import { findOwnedById } from "./by-id.js";
import type { VersionDoc } from "./documents.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

/** A stored version's metadata as the API answers it, with the environments that point at it now. */
export function toPromptVersion(doc: VersionDoc, environments: string[]): TPromptVersion {
  return {
    id: doc._id,
    promptId: doc.promptId,
    model: doc.model,
    majorVersion: doc.major,
    minorVersion: doc.minor,
    commitMessage: doc.commitMessage,
    environments,
    createdAt: doc.createdAt.toISOString(),
    variables: doc.variables,
    partials: doc.partials,
  };
}

export interface VersionListQuery {
  major?: number | undefined;
  /** Hidden (deleted) versions of the prompt. */
  excludeIds: string[];
  skip: number;
  /** 0: no limit (MongoDB's meaning). */
  limit: number;
}

/**
 * Versions are immutable: this repository can insert them and read them, and has no update method.
 * The only delete is for versions of prompts whose creation never finished (never visible to anyone).
 */
export function createVersionsRepository(db: Db) {
  const collection: Collection<VersionDoc> = db.collection("versions");

  const ofPrompt = (scope: TenantScope, promptId: string, excludeIds: string[] = []): Filter<VersionDoc> => {
    const filter: Filter<VersionDoc> = { orgId: scope.orgId, promptId };
    if (excludeIds.length > 0) filter._id = { $nin: excludeIds };
    return filter;
  };

  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // The numbering guarantee: two creators can never both get (prompt, major, minor). Also serves
        // "highest minor in major M" and "highest major" lookups.
        { key: { orgId: 1, promptId: 1, major: 1, minor: 1 }, name: "prompt_number_unique", unique: true },
        // Listing a prompt's versions newest first, ties in creation order.
        { key: { orgId: 1, promptId: 1, createdAt: -1, seq: -1 }, name: "prompt_created" },
      ]);
    },

    /** Throws a duplicate-key error when the number is taken; the caller retries with a fresh number. */
    async insert(doc: VersionDoc): Promise<void> {
      await collection.insertOne(doc);
    },

    async findById(scope: TenantScope, versionId: string): Promise<VersionDoc | null> {
      return findOwnedById(collection, scope, versionId);
    },

    /**
     * Not tenant-scoped on purpose, for callers that check the owner themselves: a signed body URL is its
     * own credential and carries no API key, and the resolution cache is keyed by version id alone (it
     * compares the owner with the caller's organization on every use).
     */
    async findByIdAnyOrganization(versionId: string): Promise<VersionDoc | null> {
      return collection.findOne({ _id: versionId });
    },

    /** Highest minor within a major, hidden versions included: a number once given is never reused. */
    async highestMinor(scope: TenantScope, promptId: string, major: number): Promise<number | null> {
      const doc = await collection.findOne(
        { orgId: scope.orgId, promptId, major },
        { sort: { minor: -1 }, projection: { minor: 1 } },
      );
      return doc?.minor ?? null;
    },

    async highestMajor(scope: TenantScope, promptId: string): Promise<number | null> {
      const doc = await collection.findOne(
        { orgId: scope.orgId, promptId },
        { sort: { major: -1, minor: -1 }, projection: { major: 1 } },
      );
      return doc?.major ?? null;
    },

    async list(scope: TenantScope, promptId: string, query: VersionListQuery): Promise<VersionDoc[]> {
      const filter = ofPrompt(scope, promptId, query.excludeIds);
      if (query.major !== undefined) filter.major = query.major;
      return collection
        .find(filter, { projection: { body: 0 } })
        .sort({ createdAt: -1, seq: -1 })
        .skip(query.skip)
        .limit(query.limit)
        .toArray();
    },

    /** Count and highest major of the visible versions. */
    async totals(scope: TenantScope, promptId: string, excludeIds: string[]): Promise<{ count: number; highestMajor: number }> {
      const filter = ofPrompt(scope, promptId, excludeIds);
      const [count, top] = await Promise.all([
        collection.countDocuments(filter),
        collection.findOne(filter, { sort: { major: -1, minor: -1 }, projection: { major: 1 } }),
      ]);
      return { count, highestMajor: top?.major ?? 0 };
    },

    /** How many versions a prompt has (hidden ones aside), and the newest, without its body. */
    async countAndNewest(scope: TenantScope, promptId: string, excludeIds: string[]): Promise<{ count: number; newest: Omit<VersionDoc, "body"> | null }> {
      const filter = ofPrompt(scope, promptId, excludeIds);
      const [count, newest] = await Promise.all([
        collection.countDocuments(filter),
        collection.findOne(filter, { sort: { createdAt: -1, seq: -1 }, projection: { body: 0, variables: 0, partials: 0, metadata: 0 } }),
      ]);
      return { count, newest };
    },

    /** A version's number, by `_id` (its body left on the server). */
    async numberOf(scope: TenantScope, versionId: string): Promise<{ major: number; minor: number } | null> {
      const doc = await collection.findOne({ _id: versionId }, { projection: { orgId: 1, major: 1, minor: 1 } });
      return doc && doc.orgId === scope.orgId ? { major: doc.major, minor: doc.minor } : null;
    },

    async deleteOfAbandonedPrompt(scope: TenantScope, promptId: string): Promise<void> {
      await collection.deleteMany({ orgId: scope.orgId, promptId });
    },
  };
}
export type VersionsRepository = ReturnType<typeof createVersionsRepository>;
