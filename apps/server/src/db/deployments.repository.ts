import { ObjectId, type Collection, type Db, type Filter, type Sort } from "mongodb";
import type { TDeployment } from "@promptreg/contracts";
import type { DeploymentDoc } from "./documents.js";
import { declareIndexes } from "./indexes.js";
import type { TenantScope } from "./scope.js";

export function toDeployment(doc: DeploymentDoc): TDeployment {
  return {
    id: doc._id.toHexString(),
    promptId: doc.promptId,
    environment: doc.environment,
    action: doc.action,
    versionId: doc.versionId,
    previousVersionId: doc.previousVersionId,
    revision: doc.revision,
    at: doc.at.toISOString(),
    keyId: doc.keyId,
    // Rollout facts only where the entry has them: entries of plain moves keep their old shape.
    ...(doc.reason !== undefined && { reason: doc.reason }),
    ...(doc.rolloutId !== undefined && { rolloutId: doc.rolloutId }),
    ...(doc.candidateVersionId !== undefined && { candidateVersionId: doc.candidateVersionId }),
    ...(doc.weight !== undefined && { weight: doc.weight }),
    ...(doc.actor !== undefined && { actor: doc.actor }),
  };
}

/** The append-only deployment history: entries are inserted, never changed. */
export function createDeploymentsRepository(db: Db) {
  const collection: Collection<DeploymentDoc> = db.collection("deployments");

  return {
    async ensureIndexes(): Promise<void> {
      await declareIndexes(collection, [
        // One entry per revision of a pointer: the unique index is what serialises concurrent moves.
        // Also serves the history of one environment, newest first.
        { key: { orgId: 1, promptId: 1, environment: 1, revision: -1 }, name: "prompt_env_revision_unique", unique: true },
        // History of all a prompt's environments, newest first, page by page: revision breaks ties within a
        // millisecond, and _id those between environments at the same revision (a total order, so a page
        // cursor never skips or repeats an entry).
        { key: { orgId: 1, promptId: 1, at: -1, revision: -1, _id: -1 }, name: "prompt_at_revision_id" },
        // Replicas tail the history for entries newer than the last they saw (cache invalidation).
        { key: { at: 1 }, name: "at" },
        // Clients poll their organization's changes since a time (fallback of the change stream).
        { key: { orgId: 1, at: 1, _id: 1 }, name: "org_at_id" },
      ]);
      // Replaced by prompt_at_revision_id (it had no _id, so no page cursor): dropped where an older
      // release created it; absent everywhere else.
      await collection.dropIndex("prompt_at_revision").catch(() => undefined);
    },

    /** Throws a duplicate-key error when the revision is taken: another move won it. */
    async append(scope: TenantScope, entry: Omit<DeploymentDoc, "_id" | "orgId">): Promise<TDeployment> {
      const doc: DeploymentDoc = { _id: new ObjectId(), orgId: scope.orgId, ...entry };
      await collection.insertOne(doc);
      return toDeployment(doc);
    },

    async atRevision(scope: TenantScope, promptId: string, environment: string, revision: number): Promise<DeploymentDoc | null> {
      return collection.findOne({ orgId: scope.orgId, promptId, environment, revision });
    },

    /**
     * Newest first; with `after` (an entry of the same history), only the entries older than it in that
     * order. One environment's entries are ordered by revision (unique per pointer); all of a prompt's by
     * time, then revision, then `_id`.
     */
    async history(
      scope: TenantScope,
      promptId: string,
      environment: string | undefined,
      limit: number,
      after?: DeploymentDoc,
    ): Promise<TDeployment[]> {
      const filter: Filter<DeploymentDoc> = { orgId: scope.orgId, promptId };
      if (environment) {
        filter.environment = environment;
        if (after) filter.revision = { $lt: after.revision };
      } else if (after) {
        filter.$or = [
          { at: { $lt: after.at } },
          { at: after.at, revision: { $lt: after.revision } },
          { at: after.at, revision: after.revision, _id: { $lt: after._id } },
        ];
      }
      const sort: Sort = environment ? { revision: -1 } : { at: -1, revision: -1, _id: -1 };
      const docs = await collection.find(filter).sort(sort).limit(limit).toArray();
      return docs.map(toDeployment);
    },

    async findById(scope: TenantScope, id: string): Promise<DeploymentDoc | null> {
      if (!ObjectId.isValid(id)) return null;
      return collection.findOne({ _id: new ObjectId(id), orgId: scope.orgId });
    },

    /** An organization's entries since `since` (inclusive), oldest first. */
    async changesSince(scope: TenantScope, since: Date, limit: number): Promise<TDeployment[]> {
      const docs = await collection.find({ orgId: scope.orgId, at: { $gte: since } }).sort({ at: 1, _id: 1 }).limit(limit).toArray();
      return docs.map(toDeployment);
    },

    /** Entries of every organization since `since` (inclusive), oldest first: for cache invalidation only. */
    async since(since: Date, limit: number): Promise<DeploymentDoc[]> {
      return collection.find({ at: { $gte: since } }).sort({ at: 1 }).limit(limit).toArray();
    },
  };
}
export type DeploymentsRepository = ReturnType<typeof createDeploymentsRepository>;
