// What the manager holds and how long it trusts it:
//
// - version bodies forever: a version is immutable, so its body is fetched once, keyed by version id, and
//   analysed once (`prepareTemplate`); each call only compiles;
// - selections (prompt + environment, or prompt + version id) as pointers to versions, with
//   stale-while-revalidate: fresh for `pointerTtlMs`, then served while one background request
//   revalidates, and past `maxStaleMs` not served without asking the server, unless it is down
//   (`outage.ts` decides what is served then). Pushed changes (`push.ts`) move and drop pointers.
import { prepareTemplate, type PreparedTemplate } from "@promptreg/template";
import type { TPromptBody } from "@promptreg/contracts";
import type { TRestPromptVersion } from "@promptreg/contracts/rest";
import type { DeploymentChange } from "../deployment-watcher.js";
import { isOutage, PromptNotFoundError, PromptregApiError } from "../errors.js";
import type { RestClient } from "../rest.js";
import { fetchSelection, type Fetched } from "./fetch.js";
import type { OutagePolicy } from "./outage.js";
import { isKeyOf, keyOf, type Selection } from "./selection.js";
import type { Emit, PromptSource } from "./types.js";

export interface VersionEntry {
  /** Null for a caller's fallback body. */
  readonly id: string | null;
  readonly promptId: string;
  /** `"major.minor"`; null for a fallback body. */
  readonly version: string | null;
  /** Frozen body, analysed once. */
  readonly prepared: PreparedTemplate;
  readonly hasPartials: boolean;
}

/** An environment's active rollout as the manager holds it: enough to split calls without the server. */
export interface Split {
  /** The rollout's id: the seed of `servesCandidate`. */
  readonly id: string;
  readonly weight: number;
  readonly stableVersionId: string;
  /** The candidate, body held (fetched with the rollout). */
  readonly candidate: VersionEntry;
}

export interface Pointer {
  readonly selection: Selection;
  target: VersionEntry;
  /** The environment's active rollout when last fetched; null when none (always null for a version selection). */
  split: Split | null;
  /** `performance.now()` of the last validation (a fetch, or a pushed change to a version we hold). */
  validatedAt: number;
  /** A pushed change moved it to a version whose body we do not hold yet: `target` is only last known good. */
  invalidated: boolean;
  /** Revision of the last pushed change applied (-1: none), so replays and late changes are ignored. */
  revision: number;
}

/** A version to compile, and where it came from. */
export interface Resolved {
  version: VersionEntry;
  source: PromptSource;
  /** The selection's active rollout: `version` is its stable one until the split chooses (index.ts). */
  split?: Split | null;
}

/** A version entry for a body (a fetched version's, or a caller's fallback). */
export function versionEntry(id: string | null, promptId: string, version: string | null, body: TPromptBody): VersionEntry {
  const prepared = prepareTemplate(body);
  return { id, promptId, version, prepared, hasPartials: prepared.partials.length > 0 };
}

/** What a fetch brings: the version a selection points at, and its active rollout. */
export interface Loaded {
  version: VersionEntry;
  split: Split | null;
}

export interface CacheOptions {
  pointerTtlMs: number;
  maxStaleMs: number;
  /** Fetch environments' rollouts with their pointers. */
  rollouts: boolean;
}

/**
 * Whether a pushed change may be a rollout's: the server says so (`rollout-…`, or a move that ended one
 * names it); from a server that does not give `action`, any change may be.
 */
export function mayBeRolloutChange(change: DeploymentChange): boolean {
  return change.action === undefined || change.action.startsWith("rollout-") || change.rolloutId !== undefined;
}

export class PromptCache {
  /** Version id -> version: immutable, kept for the manager's life (a deleted prompt's are dropped). */
  readonly versions = new Map<string, VersionEntry>();
  /** Prompts with at least one version held (a miss then asks metadata first, to reuse a held body). */
  readonly knownPrompts = new Set<string>();
  /** Selection key -> pointer. */
  readonly pointers = new Map<string, Pointer>();
  /** Fetches in flight, one per key. */
  readonly inflight = new Map<string, Promise<Loaded>>();
  /**
   * The latest change pushed for a key while its fetch was in flight ("invalidated": dropped by
   * `invalidate`). The fetch's answer may predate it: unless it agrees with the change, it asks again.
   */
  readonly raced = new Map<string, DeploymentChange | "invalidated">();

  readonly #rest: RestClient;
  readonly #ttl: number;
  readonly #maxStale: number;
  readonly #rollouts: boolean;
  readonly #outage: OutagePolicy;
  readonly #emit: Emit;

  constructor(rest: RestClient, options: CacheOptions, outage: OutagePolicy, emit: Emit) {
    this.#rest = rest;
    this.#ttl = options.pointerTtlMs;
    this.#maxStale = Math.max(options.pointerTtlMs, options.maxStaleMs);
    this.#rollouts = options.rollouts;
    this.#outage = outage;
    this.#emit = emit;
  }

  /** Whether environments' rollouts are fetched with their pointers. */
  get rollouts(): boolean {
    return this.#rollouts;
  }

  /** The cached answer when the cache may serve it without waiting for the server (the hot path). */
  cached(selection: Selection): Resolved | undefined {
    const pointer = this.pointers.get(keyOf(selection));
    if (pointer === undefined || pointer.invalidated) return undefined;
    const age = performance.now() - pointer.validatedAt;
    if (age <= this.#ttl) return { version: pointer.target, source: "cache", split: pointer.split };
    if (age <= this.#maxStale) {
      this.revalidate(pointer);
      return { version: pointer.target, source: "stale", split: pointer.split };
    }
    return undefined;
  }

  /** Asks the server (unless it is known to be down), or serves through the outage. */
  async remote(selection: Selection): Promise<Resolved> {
    const key = keyOf(selection);
    // Through an outage the last known split is served with the last known version: a rollout in progress
    // keeps its split (API.md: it survives a database outage), and a subject keeps its arm.
    if (this.#outage.down) return this.#outage.serve(selection, this.pointers.get(key), this.#outage.cause);
    try {
      const loaded = await this.#load(selection, key);
      return { version: loaded.version, source: "network", split: loaded.split };
    } catch (error) {
      if (!isOutage(error)) throw error;
      this.#outage.backOff(error);
      return this.#outage.serve(selection, this.pointers.get(key), error);
    }
  }

  /** Refreshes a pointer in the background (at most one request per key, none while the server is down). */
  revalidate(pointer: Pointer): void {
    const key = keyOf(pointer.selection);
    if (this.inflight.has(key) || this.#outage.down) return;
    this.#load(pointer.selection, key).catch((error: unknown) => {
      if (isOutage(error)) this.#outage.backOff(error);
      // 404s already dropped the pointer (and were reported); anything else is reported here.
      if (!(error instanceof PromptNotFoundError)) this.#emit({ type: "revalidation-failed", promptId: pointer.selection.promptId, key, error });
    });
  }

  /** Drops cached pointers (of one prompt, or all) so the next call asks the server. Bodies are kept. */
  invalidate(promptId?: string): void {
    for (const [key, pointer] of this.pointers) {
      if (promptId === undefined || pointer.selection.promptId === promptId) this.pointers.delete(key);
    }
    for (const key of this.inflight.keys()) {
      if (promptId === undefined || isKeyOf(key, promptId)) this.raced.set(key, "invalidated");
    }
  }

  /** Holds a fetched version (once: a version id always means the same body). */
  remember(meta: TRestPromptVersion, body: TPromptBody): VersionEntry {
    const held = this.versions.get(meta.id);
    if (held !== undefined) return held;
    const entry = versionEntry(meta.id, meta.prompt_id, `${meta.major_version}.${meta.minor_version}`, body);
    this.versions.set(meta.id, entry);
    this.knownPrompts.add(meta.prompt_id);
    return entry;
  }

  /** One fetch per key at a time. */
  #load(selection: Selection, key: string): Promise<Loaded> {
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.#fetch(selection, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  async #fetch(selection: Selection, key: string): Promise<Loaded> {
    for (let attempt = 0; ; attempt++) {
      this.raced.delete(key);
      let fetched: Fetched;
      try {
        fetched = await fetchSelection(this.#rest, this, selection, this.#rollouts);
      } catch (error) {
        if (error instanceof PromptregApiError && error.status === 404) {
          this.pointers.delete(key);
          this.#emit({ type: "not-found", promptId: selection.promptId, key });
          throw new PromptNotFoundError(
            error.message,
            selection.promptId,
            selection.kind === "environment" ? { environment: selection.environment } : { versionId: selection.versionId },
            { cause: error },
          );
        }
        throw error;
      }
      // A change was pushed while we asked: unless the answer agrees with it, it may predate it; ask again.
      // With rollouts, a rollout's change (start, weight, end) leaves the version as it is, and the answer
      // cannot be shown to include it: ask again too.
      const raced = this.raced.get(key);
      this.raced.delete(key);
      const disagrees = raced !== undefined && (raced === "invalidated" || raced.versionId !== fetched.version.id || (this.#rollouts && mayBeRolloutChange(raced)));
      if (disagrees && attempt < 2) continue;
      const previous = this.pointers.get(key);
      this.pointers.set(key, {
        selection,
        target: fetched.version,
        split: fetched.split,
        validatedAt: performance.now(),
        invalidated: false,
        revision: Math.max(previous?.revision ?? -1, raced !== undefined && raced !== "invalidated" ? raced.revision : -1),
      });
      this.#emit({ type: "fetched", promptId: selection.promptId, key, versionId: fetched.version.id!, bodyFetched: fetched.bodyFetched });
      return { version: fetched.version, split: fetched.split };
    }
  }
}
