// Serialises the updates of one document across requests and replicas.
//
// Why: an update must never lose another. MongoDB applies each update atomically, but the embedded
// database (FerretDB v1) applies one as "read the document, modify it, write the whole document back",
// so two concurrent updates of one document can lose one: 30 concurrent version deletes of one prompt,
// each acknowledged, left 9 of them visible again. The documents several requests update at once (a
// prompt: its deleted versions, creation counter, name, tags, deletion) take this lock around each update.
// It is plain MongoDB (a document inserted under a unique `_id` holds the lock; deleting it releases it)
// and costs two single-document operations per update, on writes that are rare next to reads.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Collection, Db, DeleteOptions } from "mongodb";
import { AppError } from "../errors.js";
import { KeyedMutex } from "../keyed-mutex.js";
import { notCountingTowardsDeadline, outsideRequestDeadline, remainingMs } from "./deadline.js";
import { isDuplicateKeyError } from "./duplicate-key.js";

interface LockDoc {
  _id: string;
  token: string;
  /** A holder that died leaves its lock to be taken over after this. */
  expiresAt: Date;
}

export interface DocumentLockOptions {
  /** How long a lock may be held before others may take it over (a holder that died). */
  leaseMs?: number;
  /** How long to wait for a lock before answering 409 (try again). */
  waitMs?: number;
}

export function createDocumentLocks(db: Db, options: DocumentLockOptions = {}) {
  const collection: Collection<LockDoc> = db.collection("document_locks");
  // Updates under a lock are single operations, bounded by the database timeout (5 s by default): a lease
  // a little longer than that frees a dead holder's lock soon, and a waiter outlasts one lease.
  const leaseMs = options.leaseMs ?? 6_000;
  const waitMs = options.waitMs ?? 15_000;
  // Requests of this replica queue here, so the database lock is only contended across replicas.
  const local = new KeyedMutex();

  async function acquire(key: string): Promise<string> {
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await collection.insertOne({ _id: key, token, expiresAt: new Date(Date.now() + leaseMs) });
        return token;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const holder = await collection.findOne({ _id: key });
      if (holder && holder.expiresAt.getTime() < Date.now()) {
        // Its holder died (or stalled past the lease): take it over. Only that holder's lock is deleted.
        await collection.deleteOne({ _id: key, token: holder.token });
        continue;
      }
      if (Date.now() > deadline) throw new AppError("CONFLICT", "the prompt is being changed by other requests; try again");
      // Waiting for another holder is contention (bounded by waitMs: 409), not the database's time.
      await notCountingTowardsDeadline(sleep(Math.min(2 + attempt * 2, 25) * (0.5 + Math.random())));
    }
  }

  return {
    /**
     * Runs `update` while holding the lock of `key`. Its result is handed back as soon as the update is
     * done; the release follows without the caller waiting for it (this replica's next writer does).
     */
    run<T>(key: string, update: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        void local.run(key, async () => {
          const token = await acquire(key).catch((error: unknown) => {
            reject(asError(error));
            return null;
          });
          if (token === null) return;
          try {
            resolve(await update());
          } catch (error) {
            reject(asError(error));
          } finally {
            // Released even when the request's deadline has passed (the next writer would wait out the lease),
            // but not waited for longer than the request had left (at least 250 ms): when the database does
            // not answer, this replica's next writer must not queue behind a release that cannot happen; the
            // lease frees the lock anyway. (Driver 7 aborts writes on a signal too; its typings declare it
            // for reads only.)
            const bounded = { signal: AbortSignal.timeout(Math.min(leaseMs, Math.max(250, remainingMs() ?? leaseMs))) } as DeleteOptions;
            await outsideRequestDeadline(() => collection.deleteOne({ _id: key, token }, bounded)).catch(() => undefined);
          }
        });
      });
    },
  };
}
export type DocumentLocks = ReturnType<typeof createDocumentLocks>;

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
