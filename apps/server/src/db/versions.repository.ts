import type { TPromptVersion } from "@promptreg/contracts";
import type { Collection, Db } from "mongodb";
import { findOwnedById } from "./by-id.js";
import type { VersionDoc, VersionIndexEntry } from "./documents.js";
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

/** A listing's entry (the version index holds everything but the body) as the API shows a version. */
export function entryToPromptVersion(promptId: string, entry: VersionIndexEntry, environments: string[]): TPromptVersion {
  return {
    id: entry.id,
    promptId,
    model: entry.model,
    majorVersion: entry.major,
    minorVersion: entry.minor,
    commitMessage: entry.commitMessage,
    environments,
    createdAt: entry.createdAt.toISOString(),
    variables: entry.variables,
    partials: entry.partials,
  };
}

/**
 * Versions are immutable: this repository can insert them and read them, and has no update method.
 * The only delete is for versions of prompts whose creation never finished (never visible to anyone).
 */
export function createVersionsRepository(db: Db) {
  const collection: Collection<VersionDoc> = db.collection("versions");

  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // The numbering guarantee: two creators can never both get (prompt, major, minor). Also serves
        // "highest minor in major M" and "highest major" lookups, and reading a prompt's versions once to
        // build its version index (version-index.repository.ts; listings read that index by _id).
        { key: { orgId: 1, promptId: 1, major: 1, minor: 1 }, name: "prompt_number_unique", unique: true },
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
