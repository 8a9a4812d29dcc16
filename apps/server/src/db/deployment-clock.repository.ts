import type { Collection, Db } from "mongodb";

interface ClockDoc {
  _id: string;
  tick: number;
}

const CLOCK_ID = "deployments";

/**
 * One counter bumped after every pointer change, prompt deletion and version hide. Replicas poll it by
 * `_id` (the cheapest read there is) and only read the deployment history and the prompt change log when
 * it moved: cross-replica cache invalidation without change streams, and without scanning the logs on
 * every poll.
 */
export function createDeploymentClockRepository(db: Db) {
  const collection: Collection<ClockDoc> = db.collection("clocks");
  return {
    async ensureIndexes(): Promise<void> {},

    async tick(): Promise<void> {
      await collection.updateOne({ _id: CLOCK_ID }, { $inc: { tick: 1 } }, { upsert: true });
    },

    async read(): Promise<number> {
      return (await collection.findOne({ _id: CLOCK_ID }))?.tick ?? 0;
    },
  };
}
export type DeploymentClockRepository = ReturnType<typeof createDeploymentClockRepository>;
