import type { Collection, Db } from "mongodb";
import type { TEnvironmentPointer } from "@promptreg/contracts";
import { findOwnedById } from "./by-id.js";
import type { EnvironmentDoc, RolloutStateDoc } from "./documents.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

const toPointer = (doc: EnvironmentDoc, versionId: string): TEnvironmentPointer => ({
  environment: doc.environment,
  versionId,
  updatedAt: doc.updatedAt.toISOString(),
  revision: doc.revision,
});

const toLiveEntry = (doc: EnvironmentDoc, versionId: string): LiveEntry => ({ pointer: toPointer(doc, versionId), rollout: doc.rollout ?? null });
const toLive = (doc: EnvironmentDoc): LivePointer => (doc.versionId ? toLiveEntry(doc, doc.versionId) : { pointer: null, rollout: doc.rollout ?? null });

export const environmentKey = (promptId: string, environment: string) => `${promptId}:${environment}`;

/** A pointer as last materialised: revision 0 and no version when it was never set. */
export interface PointerState {
  versionId: string | null;
  revision: number;
  /** The environment's latest rollout (active or ended), null when it never had one. */
  rollout: RolloutStateDoc | null;
}

/** A pointer as the read path sees it: where it points and its latest rollout. */
export interface LivePointer {
  pointer: TEnvironmentPointer | null;
  rollout: RolloutStateDoc | null;
}

/** A pointer that points somewhere, and its latest rollout. */
export interface LiveEntry extends LivePointer {
  pointer: TEnvironmentPointer;
}

/**
 * Environment pointers: one document per (prompt, environment), keyed by `_id`. The deployment history is
 * the source of truth (see EnvironmentsService.move); this document materialises its latest entry and is
 * only ever advanced by compare-and-set on `revision`, so every writer of a given transition writes the
 * same values and no concurrent update can be lost.
 */
export function createEnvironmentsRepository(db: Db) {
  const collection: Collection<EnvironmentDoc> = db.collection("environments");

  async function get(scope: TenantScope, promptId: string, environment: string): Promise<TEnvironmentPointer | null> {
    const doc = await findOwnedById(collection, scope, environmentKey(promptId, environment));
    if (!doc?.versionId) return null;
    return toPointer(doc, doc.versionId);
  }

  /** The live pointers of these environments of a prompt, in name order, with their rollouts: one read by `_id` each. */
  async function liveMany(scope: TenantScope, promptId: string, environments: readonly string[]): Promise<LiveEntry[]> {
    const docs = await Promise.all([...environments].sort().map((environment) => findOwnedById(collection, scope, environmentKey(promptId, environment))));
    return docs.flatMap((doc) => (doc?.versionId ? [toLiveEntry(doc, doc.versionId)] : []));
  }

  /** Every live pointer of a prompt with its rollout, by query: for prompts that do not list their environment names. */
  async function liveForPrompt(scope: TenantScope, promptId: string): Promise<LiveEntry[]> {
    const docs = await collection
      .find({ orgId: scope.orgId, promptId, versionId: { $ne: null } })
      .sort({ environment: 1 })
      .toArray();
    return docs.map((doc) => toLiveEntry(doc, doc.versionId!));
  }

  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // A prompt's pointers in name order, for prompts stored before they recorded their environment names.
        { key: { orgId: 1, promptId: 1, environment: 1 }, name: "prompt_environment" },
        // Distinct environment names in use in an organization.
        { key: { orgId: 1, environment: 1 }, name: "org_environment" },
      ]);
    },

    async state(scope: TenantScope, promptId: string, environment: string): Promise<PointerState> {
      const doc = await findOwnedById(collection, scope, environmentKey(promptId, environment));
      return { versionId: doc?.versionId ?? null, revision: doc?.revision ?? 0, rollout: doc?.rollout ?? null };
    },

    /** The pointer and its rollout, in one read by `_id` (the prompt snapshot's read). */
    async live(scope: TenantScope, promptId: string, environment: string): Promise<LivePointer> {
      const doc = await findOwnedById(collection, scope, environmentKey(promptId, environment));
      return doc ? toLive(doc) : { pointer: null, rollout: null };
    },

    /**
     * Advances the pointer from `fromRevision` to `fromRevision + 1`. A no-op when another writer already
     * did (it wrote the same values, taken from the same history entry). `rollout`, when given, replaces
     * the environment's rollout; left out, the rollout stays as it was.
     */
    async advance(
      scope: TenantScope,
      promptId: string,
      environment: string,
      fromRevision: number,
      to: { versionId: string | null; at: Date; keyId: string | null; rollout?: RolloutStateDoc | undefined },
    ): Promise<void> {
      const _id = environmentKey(promptId, environment);
      const fields: Omit<EnvironmentDoc, "_id" | "orgId" | "promptId" | "environment"> = {
        versionId: to.versionId,
        revision: fromRevision + 1,
        updatedAt: to.at,
        updatedByKeyId: to.keyId,
      };
      if (to.rollout !== undefined) fields.rollout = to.rollout;
      if (fromRevision === 0) {
        try {
          await collection.insertOne({ _id, orgId: scope.orgId, promptId, environment, ...fields });
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
        return;
      }
      await collection.updateOne({ _id, orgId: scope.orgId, revision: fromRevision }, { $set: fields });
    },

    get,

    /**
     * The live pointers of these environments of a prompt, in name order: one read by `_id` each, in
     * parallel (a prompt has a handful of environments).
     */
    async getMany(scope: TenantScope, promptId: string, environments: readonly string[]): Promise<TEnvironmentPointer[]> {
      return (await liveMany(scope, promptId, environments)).map((live) => live.pointer);
    },

    /** As getMany, with each pointer's rollout (the prompt snapshot's read). */
    liveMany,

    /** As listForPrompt, with each pointer's rollout. */
    liveForPrompt,

    /** Every live pointer of a prompt, by query: for prompts that do not list their environment names. */
    async listForPrompt(scope: TenantScope, promptId: string): Promise<TEnvironmentPointer[]> {
      return (await liveForPrompt(scope, promptId)).map((live) => live.pointer);
    },

    async distinctInUse(scope: TenantScope): Promise<string[]> {
      const names = await collection.distinct("environment", {
        orgId: scope.orgId,
        versionId: { $ne: null },
        promptDeleted: { $ne: true },
      });
      return (names).sort();
    },

    async markPromptDeleted(scope: TenantScope, promptId: string): Promise<void> {
      await collection.updateMany({ orgId: scope.orgId, promptId }, { $set: { promptDeleted: true } });
    },

    async deleteOfAbandonedPrompt(scope: TenantScope, promptId: string): Promise<void> {
      await collection.deleteMany({ orgId: scope.orgId, promptId });
    },
  };
}
export type EnvironmentsRepository = ReturnType<typeof createEnvironmentsRepository>;
