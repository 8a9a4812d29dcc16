import { notCountingWaited } from "./db/deadline.js";

/**
 * Runs tasks with the same key one at a time within this process. Numbering and pointer moves are correct
 * without it (unique indexes + retry across replicas); it keeps a burst of concurrent writers on one
 * replica from all racing for the same number, revision or lock and retrying. Time a task waits for the
 * ones ahead of it does not count against its request's database deadline (db/deadline.ts).
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const queuedAt = Date.now();
    const start = () => {
      notCountingWaited(Date.now() - queuedAt);
      return task();
    };
    const current = previous.then(start, start);
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
