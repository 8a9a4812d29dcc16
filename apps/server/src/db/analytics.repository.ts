// The request log's storage: call chunks and captured inputs (insert-only), per-prompt rollups by minute,
// hour and day (read-modify-write under the prompt's analytics lock), one head per prompt, and the input
// capture settings. Everything is read and written by bare `_id`, the only filter the embedded FerretDB
// serves from an index, so the cost of a query depends on the window it reads, not on the calls stored.
import type { Collection, Db, Filter } from "mongodb";
import { MongoServerError } from "mongodb";
import type { CallChunkDoc, CallHeadDoc, CallInputsDoc, CaptureSettingsDoc, RollupDoc, RollupLevel } from "./analytics-documents.js";
import { findOwnedById } from "./by-id.js";
import { createDocumentLocks, type DocumentLockOptions } from "./document-locks.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import type { TenantScope } from "./scope.js";

export const PERIOD_MS: Readonly<Record<RollupLevel, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export const rollupId = (orgId: string, promptId: string, level: RollupLevel, epoch: number) => `${orgId}|${promptId}|${level}|${epoch}`;
export const headId = (orgId: string, promptId: string) => `${orgId}|${promptId}`;
export const settingsId = (orgId: string, promptId: string | null) => `${orgId}|${promptId ?? ""}`;

/** Reads by `_id` in parallel, this many at a time (a window is up to a few hundred documents). */
const READ_CONCURRENCY = 32;

export function createAnalyticsRepository(db: Db, lockOptions: DocumentLockOptions = {}) {
  const chunks: Collection<CallChunkDoc> = db.collection("call_chunks");
  const inputs: Collection<CallInputsDoc> = db.collection("call_inputs");
  const rollups: Collection<RollupDoc> = db.collection("call_rollups");
  const heads: Collection<CallHeadDoc> = db.collection("call_heads");
  const settings: Collection<CaptureSettingsDoc> = db.collection("capture_settings");
  const locks = createDocumentLocks(db, lockOptions);
  let ttlIndexes = false;

  async function readMany<T extends { _id: string; orgId: string }>(collection: Collection<T>, scope: TenantScope, ids: readonly string[]): Promise<Array<T | null>> {
    const out: Array<T | null> = new Array<T | null>(ids.length).fill(null);
    for (let start = 0; start < ids.length; start += READ_CONCURRENCY) {
      const slice = ids.slice(start, start + READ_CONCURRENCY);
      const docs = await Promise.all(slice.map((id) => findOwnedById(collection, scope, id)));
      docs.forEach((doc, i) => (out[start + i] = doc));
    }
    return out;
  }

  const insertIgnoringDuplicate = async <T extends { _id: string }>(collection: Collection<T>, doc: T) => {
    try {
      await collection.insertOne(doc as Parameters<Collection<T>["insertOne"]>[0]);
    } catch (error) {
      // A retried flush: the first attempt inserted it.
      if (!isDuplicateKeyError(error)) throw error;
    }
  };

  return {
    /**
     * TTL indexes remove expired calls, inputs and rollups on MongoDB. FerretDB v1.24 refuses them ("Index
     * option expireAfterSeconds is not implemented yet"): there, the sweeper does it (services/analytics).
     */
    async ensureIndexes(): Promise<void> {
      try {
        for (const name of [chunks.collectionName, inputs.collectionName, rollups.collectionName]) {
          await db.collection(name).createIndex({ expiresAt: 1 }, { name: "expires_ttl", expireAfterSeconds: 0 });
        }
        ttlIndexes = true;
      } catch (error) {
        if (!(error instanceof MongoServerError && /expireAfterSeconds/i.test(error.message))) throw error;
        ttlIndexes = false;
      }
    },

    /** Whether the database removes expired documents itself. */
    get ttlIndexes() {
      return ttlIndexes;
    },

    /** Runs `update` holding the prompt's analytics lock (every writer of its rollups takes it). */
    locked<T>(scope: TenantScope, promptId: string, update: () => Promise<T>): Promise<T> {
      return locks.run(`analytics:${headId(scope.orgId, promptId)}`, update);
    },

    insertChunk: (doc: CallChunkDoc) => insertIgnoringDuplicate(chunks, doc),
    insertInputs: (doc: CallInputsDoc) => insertIgnoringDuplicate(inputs, doc),

    readChunks: (scope: TenantScope, ids: readonly string[]) => readMany(chunks, scope, ids),
    readInputs: (scope: TenantScope, ids: readonly string[]) => readMany(inputs, scope, ids),

    readRollups(scope: TenantScope, promptId: string, level: RollupLevel, epochs: readonly number[]): Promise<Array<RollupDoc | null>> {
      return readMany(rollups, scope, epochs.map((epoch) => rollupId(scope.orgId, promptId, level, epoch)));
    },

    /** Writes a rollup read and changed under the prompt's lock (the caller holds it). */
    async replaceRollup(doc: RollupDoc): Promise<void> {
      await rollups.replaceOne({ _id: doc._id }, doc, { upsert: true });
    },

    async deleteChunk(scope: TenantScope, id: string): Promise<void> {
      if (!id.startsWith(`${scope.orgId}|`)) return;
      await Promise.all([chunks.deleteOne({ _id: id }), inputs.deleteOne({ _id: id })]);
    },
    async deleteInputs(scope: TenantScope, id: string): Promise<void> {
      if (id.startsWith(`${scope.orgId}|`)) await inputs.deleteOne({ _id: id });
    },
    async deleteRollup(scope: TenantScope, promptId: string, level: RollupLevel, epoch: number): Promise<void> {
      await rollups.deleteOne({ _id: rollupId(scope.orgId, promptId, level, epoch) });
    },

    /** Creates the prompt's head once (its first recorded call); racing writers keep the first. */
    async ensureHead(scope: TenantScope, promptId: string, firstAt: number): Promise<void> {
      const _id = headId(scope.orgId, promptId);
      try {
        await heads.updateOne(
          { _id },
          { $setOnInsert: { orgId: scope.orgId, promptId, firstAt, recordsSweptTo: firstAt, inputsSweptTo: firstAt, rollupsSweptTo: firstAt } },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    },

    readHead: (scope: TenantScope, promptId: string) => findOwnedById(heads, scope, headId(scope.orgId, promptId)),

    /** Written by the sweeper under the prompt's lock. */
    async replaceHead(doc: CallHeadDoc): Promise<void> {
      await heads.replaceOne({ _id: doc._id }, doc, { upsert: true });
    },

    /**
     * Every prompt with recorded calls, in every organization: the sweeper's work list. Not tenant-scoped on
     * purpose (retention is the instance's business); one small document per prompt, so the scan this is
     * on FerretDB stays cheap.
     */
    async allHeads(): Promise<CallHeadDoc[]> {
      return heads.find({} as Filter<CallHeadDoc>).toArray();
    },

    /** Runs a settings update holding that document's lock (read, change, write back). */
    lockedSettings<T>(scope: TenantScope, promptId: string | null, update: () => Promise<T>): Promise<T> {
      return locks.run(`capture:${settingsId(scope.orgId, promptId)}`, update);
    },

    getSettings: (scope: TenantScope, promptId: string | null) => findOwnedById(settings, scope, settingsId(scope.orgId, promptId)),

    async putSettings(doc: CaptureSettingsDoc): Promise<void> {
      await settings.replaceOne({ _id: doc._id }, doc, { upsert: true });
    },
  };
}
export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
