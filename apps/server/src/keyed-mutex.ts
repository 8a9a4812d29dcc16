/**
 * Runs tasks with the same key one at a time within this process. Numbering and pointer moves are correct
 * without it (unique indexes + retry across replicas); it keeps a burst of concurrent writers on one
 * replica from all racing for the same number, revision or lock and retrying.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
