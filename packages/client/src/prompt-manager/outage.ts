// What is served while the server cannot answer (no answer, timeout, 5xx, 429: `isOutage`): the last
// known good version of the selection, else the caller's fallback body for the prompt; with neither,
// PromptUnavailableError. After an outage no request goes out for `outageBackoffMs`, so a dead registry
// costs no latency per call. What the server says "no" to (404, 401) is not an outage: it is thrown.
import type { TPromptBody } from "@promptreg/contracts";
import { PromptUnavailableError } from "../errors.js";
import { versionEntry, type Pointer, type Resolved, type VersionEntry } from "./cache.js";
import { describeSelection, type Selection } from "./selection.js";
import type { Emit } from "./types.js";

export class OutagePolicy {
  readonly #backoffMs: number;
  readonly #fallbackBodies: Record<string, TPromptBody>;
  /** Fallback bodies, analysed on first use. */
  readonly #fallbacks = new Map<string, VersionEntry>();
  readonly #emit: Emit;
  #downUntil = 0;
  /** The error that started the current backoff: the cause of what is refused during it. */
  #cause: unknown = undefined;

  constructor(backoffMs: number, fallbackBodies: Record<string, TPromptBody>, emit: Emit) {
    this.#backoffMs = backoffMs;
    this.#fallbackBodies = fallbackBodies;
    this.#emit = emit;
  }

  /** Within the backoff after an outage: do not ask the server. */
  get down(): boolean {
    return performance.now() < this.#downUntil;
  }

  get cause(): unknown {
    return this.#cause;
  }

  /** The server is down: no request goes out for `outageBackoffMs`. */
  backOff(error: unknown): void {
    this.#downUntil = performance.now() + this.#backoffMs;
    this.#cause = error;
  }

  /**
   * Serves `selection` without the server: its last known good version (and rollout split), else the
   * prompt's fallback, else throws.
   */
  serve(selection: Selection, lastKnownGood: Pick<Pointer, "target" | "split"> | undefined, error: unknown): Resolved {
    if (lastKnownGood !== undefined) {
      this.#emit({ type: "outage", promptId: selection.promptId, error, served: "last-known-good" });
      return { version: lastKnownGood.target, source: "last-known-good", split: lastKnownGood.split };
    }
    const fallback = this.fallback(selection.promptId);
    if (fallback !== undefined) {
      this.#emit({ type: "outage", promptId: selection.promptId, error, served: "fallback" });
      return { version: fallback, source: "fallback" };
    }
    this.#emit({ type: "outage", promptId: selection.promptId, error, served: "none" });
    throw new PromptUnavailableError(
      `${describeSelection(selection)} cannot be served: the server is unavailable${error instanceof Error ? ` (${error.message})` : ""}, and there is no cached or fallback body`,
      selection.promptId,
      { cause: error },
    );
  }

  /** The caller's fallback body for a prompt, if it gave one. */
  fallback(promptId: string): VersionEntry | undefined {
    let entry = this.#fallbacks.get(promptId);
    if (entry === undefined && Object.hasOwn(this.#fallbackBodies, promptId)) {
      entry = versionEntry(null, promptId, null, this.#fallbackBodies[promptId]!);
      this.#fallbacks.set(promptId, entry);
    }
    return entry;
  }
}
