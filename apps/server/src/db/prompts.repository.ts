import type { Collection, Db, Filter } from "mongodb";
import type { TPrompt } from "@promptreg/contracts";
import { findOwnedById } from "./by-id.js";
import type { DocumentLocks } from "./document-locks.js";
import type { PromptDoc } from "./documents.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

export function toPrompt(doc: PromptDoc): TPrompt {
  return { id: doc._id, name: doc.name, tags: doc.tags, createdAt: doc.createdAt.toISOString() };
}

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

    async rename(scope: TenantScope, promptId: string, name: string): Promise<boolean> {
      const result = await locked(promptId, () => collection.updateOne(visible(scope, { _id: promptId }), { $set: { name } }));
      return result.matchedCount === 1;
    },

    async setTags(scope: TenantScope, promptId: string, tags: string[]): Promise<boolean> {
      const result = await locked(promptId, () => collection.updateOne(visible(scope, { _id: promptId }), { $set: { tags } }));
      return result.matchedCount === 1;
    },

    async markDeleted(scope: TenantScope, promptId: string): Promise<boolean> {
      const result = await locked(promptId, () => collection.updateOne(visible(scope, { _id: promptId }), { $set: { deletedAt: new Date() } }));
      return result.matchedCount === 1;
    },

    async hideVersion(scope: TenantScope, promptId: string, versionId: string): Promise<boolean> {
      const result = await locked(promptId, () => collection.updateOne(visible(scope, { _id: promptId }), { $addToSet: { hiddenVersionIds: versionId } }));
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
