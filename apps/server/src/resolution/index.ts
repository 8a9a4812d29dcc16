// The one read path: what a selection of a prompt (an environment, a version, production) resolves to,
// for every reader: the gateway (and the prompt partials it expands), the REST and tRPC prompt fetches,
// and the signed body URL. One cache, invalidated one way (this replica's change events at once; other
// replicas' changes through the deployment feed, which publishes them on the same event bus), one set of
// errors (./errors.ts).
//
// Two kinds of entries: versions, immutable, kept for as long as memory allows (bounded by count and by
// the bytes of their bodies); and prompt snapshots (visibility, hidden versions, every pointer), replaced
// whenever anything about their prompt changes, and re-read at least every `pointerTtlMs` whatever
// happens. Answers that something does not exist are kept apart, briefly and in a small bounded map: their
// keys are whatever callers ask for. While the database is unreachable, the last known entries keep
// serving (stale-if-error): an outage must not take down the LLM calls of prompts a replica knows.
//
// Rollouts: an environment with an active rollout has a candidate version and a weight in its snapshot.
// Only gateway calls split (`resolveCall`: the subject's hash picks the arm); every other read answers the
// environment's stable version, as Helicone's prompt fetches expect.
import { PRODUCTION_ENVIRONMENT, servesCandidate, type TPromptBody, type TPromptVersion } from "@promptreg/contracts";
import type { Repositories, TenantScope } from "../db/index.js";
import { isDatabaseUnavailable } from "../errors.js";
import type { DeploymentEvents } from "../services/events.js";
import { resolutionErrors } from "./errors.js";
import { ExpiringCache } from "./expiring-cache.js";
import { readSnapshot, toResolvedVersion, type PromptSnapshot, type ResolvedVersion } from "./snapshot.js";

export type { ResolvedVersion, PromptSnapshot } from "./snapshot.js";
export { resolutionErrors } from "./errors.js";
export { ExpiringCache } from "./expiring-cache.js";

/** Which version of a prompt: `environment` if given, else `versionId`, else production. */
export interface Selection {
  promptId: string;
  environment?: string | undefined;
  versionId?: string | undefined;
}

/** A gateway call's version: the served one, and `x-prompt-rollout` when the environment has a rollout. */
export interface CallResolution {
  resolved: ResolvedVersion;
  /** `<rolloutId>;arm=stable|candidate`, or null outside a rollout. */
  rolloutHeader: string | null;
}

export interface ReadOptions {
  /** Read the database even when a cached answer is at hand (the answer then refreshes the cache). */
  fresh?: boolean | undefined;
}

/** A prompt fetch's answer: the version's metadata (with the environments that point at it now) and body. */
export interface VersionAnswer {
  version: TPromptVersion;
  body: Readonly<TPromptBody>;
  /** The same body as JSON text, for answers that splice it in (REST) rather than serialise it again. */
  bodyJson: string;
}

export interface ResolutionOptions {
  /** Safety net: a prompt's snapshot is re-read at least this often (changes invalidate at once). */
  pointerTtlMs: number;
  /** Versions kept at most, and the bytes of their bodies at most. */
  versionCacheSize: number;
  versionCacheBytes: number;
}

const VERSION_TTL_MS = 24 * 3600_000;
/** Prompt snapshots kept at most: a few hundred bytes each. */
const MAX_SNAPSHOTS = 100_000;
/** Answers that an id does not exist: how many, and for how long (creations and deletions invalidate them). */
const MISSING = { maxEntries: 10_000, ttlMs: 10_000 };

export function createResolution(repos: Repositories, events: DeploymentEvents, options: ResolutionOptions) {
  // Keyed by version id alone and loaded whatever its organization: callers compare `orgId` with their own
  // on every use. (A tenant-scoped load would cache another organization's miss under the same key.)
  const versions = new ExpiringCache<ResolvedVersion>({
    maxEntries: options.versionCacheSize,
    ttlMs: VERSION_TTL_MS,
    staleOnError: isDatabaseUnavailable,
    negative: MISSING,
    weigh: (v) => v.bodyJson.length,
    maxWeight: options.versionCacheBytes,
  });
  const snapshots = new ExpiringCache<PromptSnapshot>({
    maxEntries: MAX_SNAPSHOTS,
    ttlMs: options.pointerTtlMs,
    staleOnError: isDatabaseUnavailable,
    negative: { maxEntries: MISSING.maxEntries, ttlMs: Math.min(MISSING.ttlMs, options.pointerTtlMs) },
  });
  /** Answers built from one snapshot and version, kept with the snapshot (they go when it is replaced). */
  const answers = new WeakMap<PromptSnapshot, Map<string, VersionAnswer>>();
  const snapshotKey = (orgId: string, promptId: string) => `${orgId}\u0000${promptId}`;

  // Every pointer move, prompt deletion and version hide, made here or on another replica.
  events.subscribe((c) => snapshots.delete(snapshotKey(c.orgId, c.promptId)));
  events.subscribePromptChanges((c) => snapshots.delete(snapshotKey(c.orgId, c.promptId)));

  const loadVersion = async (versionId: string) => {
    const doc = await repos.versions.findByIdAnyOrganization(versionId);
    return doc ? toResolvedVersion(doc) : null;
  };

  function version(versionId: string, read: ReadOptions = {}): Promise<ResolvedVersion | null> {
    // A version never changes: a fresh read only re-reads one that was not found.
    if (read.fresh === true && versions.get(versionId) === null) return versions.reload(versionId, () => loadVersion(versionId));
    return versions.getOrLoad(versionId, () => loadVersion(versionId));
  }

  function snapshot(scope: TenantScope, promptId: string, environment: string | undefined, read: ReadOptions = {}): Promise<PromptSnapshot | null> {
    const load = async () => {
      const { snapshot: loaded, copy } = await readSnapshot(repos, scope, promptId, environment);
      if (copy && !versions.get(copy._id)) versions.set(copy._id, toResolvedVersion(copy));
      return loaded;
    };
    const key = snapshotKey(scope.orgId, promptId);
    return read.fresh === true ? snapshots.reload(key, load) : snapshots.getOrLoad(key, load);
  }

  /** The version a selection names in a snapshot (rollouts will choose between two here). */
  function versionIdOf(snap: PromptSnapshot, selection: Selection): string {
    if (selection.environment === undefined && selection.versionId !== undefined) return selection.versionId;
    const environment = selection.environment ?? PRODUCTION_ENVIRONMENT;
    const pointed = snap.pointers.get(environment);
    if (pointed === undefined) throw resolutionErrors.nothingDeployed(snap.promptId, environment);
    return pointed;
  }

  /** `resolved` when it is a version of the caller's organization and of the snapshot's prompt, else null. */
  const ownVersion = (scope: TenantScope, snap: PromptSnapshot, resolved: ResolvedVersion | null): ResolvedVersion | null =>
    resolved !== null && resolved.orgId === scope.orgId && resolved.promptId === snap.promptId ? resolved : null;

  /** The version of the caller's organization and prompt by id, or null (hidden, missing, someone else's). */
  async function visibleVersionIn(scope: TenantScope, snap: PromptSnapshot, versionId: string): Promise<ResolvedVersion | null> {
    return snap.hidden.has(versionId) ? null : ownVersion(scope, snap, await version(versionId));
  }

  async function resolveIn(scope: TenantScope, selection: Selection, read?: ReadOptions): Promise<{ snap: PromptSnapshot; resolved: ResolvedVersion }> {
    const { promptId } = selection;
    const byEnvironment = selection.environment ?? (selection.versionId === undefined ? PRODUCTION_ENVIRONMENT : undefined);
    const snap = await snapshot(scope, promptId, byEnvironment, read);
    if (!snap) throw resolutionErrors.promptNotFound(promptId);
    const versionId = versionIdOf(snap, selection);
    // A cached version of another organization, or of another prompt, is as absent as a missing one. (As
    // visibleVersionIn, written out: the gateway's hot path, without another promise in between.)
    const resolved = snap.hidden.has(versionId) ? null : ownVersion(scope, snap, await version(versionId, read));
    if (!resolved) throw resolutionErrors.versionNotFound(versionId, promptId);
    return { snap, resolved };
  }

  function answer(snap: PromptSnapshot, resolved: ResolvedVersion): VersionAnswer {
    let built = answers.get(snap);
    if (!built) answers.set(snap, (built = new Map<string, VersionAnswer>()));
    let found = built.get(resolved.versionId);
    if (!found) {
      const environments = [...snap.pointers].filter(([, id]) => id === resolved.versionId).map(([name]) => name);
      found = Object.freeze({ version: Object.freeze({ ...resolved.metadata, environments }), body: resolved.body, bodyJson: resolved.bodyJson });
      built.set(resolved.versionId, found);
    }
    return found;
  }

  return {
    /**
     * A gateway call's version. When the selected environment (production by default; not a selection by
     * version id) has an active rollout, `subject` (null: none, a random draw) picks the arm with the
     * contracts' hash, the one the typed client uses too. Costs a map lookup and one hash on top of
     * `resolve`: no database read, the rollout is in the cached snapshot.
     */
    async resolveCall(scope: TenantScope, selection: Selection, subject: string | null): Promise<CallResolution> {
      const { snap, resolved } = await resolveIn(scope, selection);
      const environment = selection.environment ?? (selection.versionId === undefined ? PRODUCTION_ENVIRONMENT : undefined);
      const rollout = environment === undefined ? undefined : snap.rollouts.get(environment);
      if (rollout === undefined) return { resolved, rolloutHeader: null };
      if (!servesCandidate(rollout.id, subject, rollout.weight)) return { resolved, rolloutHeader: rollout.stableHeader };
      // A candidate that cannot be served (deleted in a race the delete lost, say) leaves the call on stable.
      // Cached (the usual case): taken without another await, the split's cost stays a hash and a lookup.
      const cached = snap.hidden.has(rollout.candidateVersionId) ? null : versions.get(rollout.candidateVersionId);
      const candidate = cached === undefined ? await visibleVersionIn(scope, snap, rollout.candidateVersionId) : ownVersion(scope, snap, cached);
      return candidate === null ? { resolved, rolloutHeader: rollout.stableHeader } : { resolved: candidate, rolloutHeader: rollout.candidateHeader };
    },

    /** The version a selection resolves to, ready to compile (the gateway, and prompt partials). */
    async resolve(scope: TenantScope, selection: Selection, read?: ReadOptions): Promise<ResolvedVersion> {
      return (await resolveIn(scope, selection, read)).resolved;
    },

    /** What an environment points at, with its metadata and body (404 naming it when nothing is deployed). */
    async environment(scope: TenantScope, ref: { promptId: string; environment: string }, read?: ReadOptions): Promise<VersionAnswer> {
      const { snap, resolved } = await resolveIn(scope, ref, read);
      return answer(snap, resolved);
    },

    /** A version of the caller's organization by id, with its metadata and body, if it is visible. */
    async version(scope: TenantScope, versionId: string, read?: ReadOptions): Promise<VersionAnswer> {
      const resolved = await version(versionId, read);
      if (!resolved || resolved.orgId !== scope.orgId) throw resolutionErrors.versionNotFound(versionId);
      const snap = await snapshot(scope, resolved.promptId, undefined, read);
      if (!snap || snap.hidden.has(versionId)) throw resolutionErrors.versionNotFound(versionId);
      return answer(snap, resolved);
    },

    /**
     * The body a signed body URL names (the URL's signature, checked by the caller, is the credential), if
     * the version is visible: the second request of Helicone's SDK on every prompt fetch.
     */
    async signedBody(versionId: string): Promise<string> {
      const resolved = await version(versionId);
      const snap = resolved ? await snapshot({ orgId: resolved.orgId }, resolved.promptId, undefined) : null;
      if (!resolved || !snap || snap.hidden.has(versionId)) throw resolutionErrors.versionNotFound(versionId);
      return resolved.bodyJson;
    },

    /** Whether a prompt exists and is visible to the caller (its snapshot, cached as resolve caches it). */
    async promptVisible(scope: TenantScope, promptId: string): Promise<boolean> {
      return (await snapshot(scope, promptId, undefined)) !== null;
    },

    /** Hits, misses and sizes, for /metrics. */
    stats() {
      const total = (c: { hits: number; misses: number; staleServed: number; size: number }) => ({ hits: c.hits, misses: c.misses, staleServed: c.staleServed, size: c.size });
      return { versions: total(versions), prompts: total(snapshots) };
    },
  };
}
export type Resolution = ReturnType<typeof createResolution>;
