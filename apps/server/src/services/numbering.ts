/** The numbering rules, apart from storage so they can be tested on their own. */
export interface VersionNumber {
  major: number;
  minor: number;
}

/**
 * A minor bump from a version in major M gives M.(highest minor in M + 1); a major bump gives
 * (highest major + 1).0. "Highest" counts hidden versions too, so a number is never given twice.
 */
export function nextVersionNumber(
  bump: "minor" | "major",
  base: VersionNumber,
  highestMinorInBaseMajor: number | null,
  highestMajor: number | null,
): VersionNumber {
  if (bump === "major") return { major: (highestMajor ?? base.major) + 1, minor: 0 };
  return { major: base.major, minor: (highestMinorInBaseMajor ?? base.minor) + 1 };
}

export const formatVersion = (n: VersionNumber): string => `${n.major}.${n.minor}`;

/**
 * Runs tasks with the same key one at a time within this process. Numbering is correct without it (the
 * unique index + retry guarantees that across replicas); it only keeps a burst of concurrent creators on
 * one replica from all racing for the same number and retrying.
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
