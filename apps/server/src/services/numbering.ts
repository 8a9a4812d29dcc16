// Version numbering helpers, apart from storage so they can be tested on their own. The rule: a minor bump
// from a version in major M gives M.(highest minor in M + 1); a major bump gives (highest major + 1).0;
// "highest" counts hidden versions too, so a number is never given twice.
import { LRUCache } from "lru-cache";

/**
 * Lower bounds of the next free number, learned by this replica: per (prompt, major) for minors and per
 * prompt for majors. Numbers are given densely and never freed, so once number n is known to be taken
 * (this replica stored it, or an insert of it hit the unique index), every number up to n is taken and
 * n + 1 is a valid floor. A creator tries the floor first and moves up on each duplicate: in the usual
 * case (bumping the latest version, or a replica that created the previous one) the first insert wins,
 * with no query for the highest number, which is a scan of the whole collection on the embedded FerretDB.
 */
export class NumberFloors {
  readonly #floors = new LRUCache<string, number>({ max: 10_000 });

  /** The number to try: at least `lowest` (a floor the caller knows, e.g. the base version + 1). */
  candidate(key: string, lowest: number): number {
    return Math.max(lowest, this.#floors.get(key) ?? 0);
  }

  /** `n` is taken: the next candidate is above it. */
  taken(key: string, n: number): void {
    this.#floors.set(key, Math.max(this.#floors.get(key) ?? 0, n + 1));
  }
}

export { KeyedMutex } from "../keyed-mutex.js";
