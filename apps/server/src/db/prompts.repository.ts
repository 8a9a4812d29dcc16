import type { Collection, Db, Filter, Sort } from "mongodb";
import type { TPrompt, TPromptSort } from "@promptreg/contracts";
import { findOwnedById } from "./by-id.js";
import type { DocumentLocks } from "./document-locks.js";
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

export function createPromptsRepository(db: Db, locks: DocumentLocks) {
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
  const locked = <T>(promptId: string, update: () => Promise<T>) => locks.run(`prompts:${promptId}`, update);

  // The same rule as `visible`, for a document read by bare `_id`.
  const isVisible = (scope: TenantScope, doc: PromptDoc) => doc.orgId === scope.orgId && doc.state === "active" && doc.deletedAt === null;

  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // An organization's visible prompts, read once to build its prompt index (prompt-index.repository.ts).
        { key: { orgId: 1, state: 1, deletedAt: 1, createdAt: -1, _id: -1 }, name: "org_visible_created_id" },
        // Listed by last change (the one order the prompt index does not hold: see prompts.service.ts).
        { key: { orgId: 1, state: 1, deletedAt: 1, updatedAt: -1, _id: -1 }, name: "org_visible_updated_id" },
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

    /**
     * A page of visible prompts as the database orders them: only for the order by last change, which the
     * prompt index (by `_id`, flat at any size) does not hold. Scans the organization's prompts on FerretDB v1.
     */
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
     * By bare `_id` (any other filter scans every prompt on the embedded database, on
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
