import type { Collection, Db, Filter, Sort } from "mongodb";
import type { TPrompt, TPromptSort } from "@promptreg/contracts";
import { findOwnedById } from "./by-id.js";
import { createDocumentLocks, type DocumentLockOptions } from "./document-locks.js";
import type { PromptDoc } from "./documents.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

export function toPrompt(doc: PromptDoc): TPrompt {
  return { id: doc._id, name: doc.name, tags: doc.tags, createdAt: doc.createdAt.toISOString() };
}

/** Escapes text for a literal match inside a regular expression (search is text, not a pattern). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface PromptListQuery {
  search?: string | undefined;
  tags?: string[] | undefined;
  sort?: TPromptSort | undefined;
  skip: number;
  limit: number;
}

/** Each order ends with `_id`, so pages of equal keys neither skip nor repeat a prompt. */
const SORTS: Record<TPromptSort, Sort> = {
  created: { createdAt: -1, _id: -1 },
  // Prompts stored before updatedAt existed have none, and come after every changed one.
  updated: { updatedAt: -1, _id: -1 },
  name: { name: 1, _id: 1 },
};

export function createPromptsRepository(db: Db, lockOptions: DocumentLockOptions = {}) {
  const collection: Collection<PromptDoc> = db.collection("prompts");
  /** Only prompts whose creation finished and that were not deleted are visible. */
  const visible = (scope: TenantScope, extra: Filter<PromptDoc> = {}): Filter<PromptDoc> => ({
    orgId: scope.orgId,
    state: "active",
    deletedAt: null,
    ...extra,
  });

  // Every update of a prompt document holds its lock: see document-locks.ts (concurrent updates of one
  // document must not lose each other: deleted versions, deletion, name, tags, the creation counter).
  const locks = createDocumentLocks(db, lockOptions);
  const locked = <T>(promptId: string, update: () => Promise<T>) => locks.run(`prompts:${promptId}`, update);

  // The same rule as `visible`, for a document read by bare `_id`.
  const isVisible = (scope: TenantScope, doc: PromptDoc) => doc.orgId === scope.orgId && doc.state === "active" && doc.deletedAt === null;

  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // list (newest first), count, distinct tags: all filter by org and visibility.
        { key: { orgId: 1, state: 1, deletedAt: 1, createdAt: -1, _id: -1 }, name: "org_visible_created_id" },
        // list by last change, and by name.
        { key: { orgId: 1, state: 1, deletedAt: 1, updatedAt: -1, _id: -1 }, name: "org_visible_updated_id" },
        { key: { orgId: 1, state: 1, deletedAt: 1, name: 1, _id: 1 }, name: "org_visible_name_id" },
        // tagsFilter on list.
        { key: { orgId: 1, tags: 1 }, name: "org_tags" },
        // Sweep of creations abandoned half-way.
        { key: { state: 1, createdAt: 1 }, name: "state_created" },
      ]);
    },

    async insertPending(doc: PromptDoc): Promise<void> {
      await collection.insertOne(doc);
    },

    async activate(scope: TenantScope, promptId: string): Promise<void> {
      await locked(promptId, () => collection.updateOne({ _id: promptId, orgId: scope.orgId, state: "pending" }, { $set: { state: "active" } }));
    },

    async findVisible(scope: TenantScope, promptId: string): Promise<PromptDoc | null> {
      const doc = await findOwnedById(collection, scope, promptId);
      return doc && isVisible(scope, doc) ? doc : null;
    },

    async list(scope: TenantScope, query: PromptListQuery): Promise<{ items: PromptDoc[]; total: number }> {
      const filter = visible(scope);
      // A name containing the text, or the prompt whose id it is (a pasted id finds its prompt).
      if (query.search) filter.$or = [{ name: { $regex: escapeRegExp(query.search), $options: "i" } }, { _id: query.search }];
      if (query.tags && query.tags.length > 0) filter.tags = { $in: query.tags };
      const [docs, total] = await Promise.all([
        collection.find(filter).sort(SORTS[query.sort ?? "created"]).skip(query.skip).limit(query.limit).toArray(),
        collection.countDocuments(filter),
      ]);
      return { items: docs, total };
    },

    async count(scope: TenantScope): Promise<number> {
      return collection.countDocuments(visible(scope));
    },

    async distinctTags(scope: TenantScope): Promise<string[]> {
      const tags = await collection.distinct("tags", visible(scope));
      return (tags).sort((a, b) => a.localeCompare(b));
    },

    async rename(scope: TenantScope, promptId: string, name: string): Promise<boolean> {
      const result = await locked(promptId, () => collection.updateOne(visible(scope, { _id: promptId }), { $set: { name, updatedAt: new Date() } }));
      return result.matchedCount === 1;
    },

    async setTags(scope: TenantScope, promptId: string, tags: string[]): Promise<boolean> {
      const result = await locked(promptId, () => collection.updateOne(visible(scope, { _id: promptId }), { $set: { tags, updatedAt: new Date() } }));
      return result.matchedCount === 1;
    },

    async markDeleted(scope: TenantScope, promptId: string): Promise<boolean> {
      const result = await locked(promptId, () => collection.updateOne(visible(scope, { _id: promptId }), { $set: { deletedAt: new Date() } }));
      return result.matchedCount === 1;
    },

    /**
     * Reserves the next creation sequence number of a visible prompt; null when the prompt is not visible.
     * One atomic single-document operation, so it is also the existence check for version creation. By
     * bare `_id`, as by-id.ts explains (with any other filter FerretDB scans every prompt on each version
     * created): callers have just checked that the prompt is the caller's and visible, and the returned
     * document says whether it still is.
     */
    async nextVersionSeq(scope: TenantScope, promptId: string): Promise<number | null> {
      // The version's creation is the prompt's last change (set here, in the update it takes anyway).
      const doc = await locked(promptId, () =>
        collection.findOneAndUpdate({ _id: promptId }, { $inc: { versionSeq: 1 }, $set: { updatedAt: new Date() } }, { returnDocument: "after" }),
      );
      return doc && isVisible(scope, doc) ? doc.versionSeq : null;
    },

    async hideVersion(scope: TenantScope, promptId: string, versionId: string): Promise<boolean> {
      const result = await locked(promptId, () =>
        collection.updateOne(visible(scope, { _id: promptId }), { $addToSet: { hiddenVersionIds: versionId }, $set: { updatedAt: new Date() } }),
      );
      return result.matchedCount === 1;
    },

    /**
     * Records environment names of the prompt (see PromptDoc.environments); idempotent. Prompts created
     * before the list existed keep having none (an incomplete list would hide their older pointers).
     */
    async addEnvironments(scope: TenantScope, promptId: string, environments: string[]): Promise<void> {
      await locked(promptId, () =>
        collection.updateOne({ _id: promptId, orgId: scope.orgId, environments: { $exists: true } }, { $addToSet: { environments: { $each: environments } } }),
      );
    },

    /**
     * Records a change stored elsewhere (a pointer moved) as the prompt's last change; never moves it back.
     * By bare `_id`, as nextVersionSeq (any other filter scans every prompt on the embedded database, on
     * every deployment): callers have just checked that the prompt is the caller's.
     */
    async touch(promptId: string, at: Date): Promise<void> {
      await locked(promptId, () => collection.updateOne({ _id: promptId }, { $max: { updatedAt: at } }));
    },

    async unhideVersion(scope: TenantScope, promptId: string, versionId: string): Promise<void> {
      await locked(promptId, () => collection.updateOne({ _id: promptId, orgId: scope.orgId }, { $pull: { hiddenVersionIds: versionId } }));
    },

    /** Prompts whose creation started before `before` and never finished (the process died). */
    async findAbandoned(before: Date): Promise<Array<{ id: string; orgId: string }>> {
      const docs = await collection
        .find({ state: "pending", createdAt: { $lt: before } }, { projection: { _id: 1, orgId: 1 } })
        .limit(1000)
        .toArray();
      return docs.map((d) => ({ id: d._id, orgId: d.orgId }));
    },

    async deletePending(scope: TenantScope, promptId: string): Promise<void> {
      await locked(promptId, () => collection.deleteOne({ _id: promptId, orgId: scope.orgId, state: "pending" }));
    },
  };
}
export type PromptsRepository = ReturnType<typeof createPromptsRepository>;
