// Changes pushed by the server (the deployment stream, polling as its fallback; `DeploymentWatcher`) and
// what they do to the cache: a move to a version whose body is held applies at once, without a request;
// a move to a new version starts its fetch; a removal drops the pointer (and its last known good); a
// deleted prompt or hidden version drops everything of it. So a moved or removed environment is not
// served past the push latency (or one poll interval).
//
// Rollouts: a rollout's start, weight change, promotion, abort or rollback is pushed as a deployment of
// its environment (`action: "rollout-…"`): it refetches the environment (pointer and rollout), and while
// a rollout is active the old split is not served once the change is known, so a weight change, an abort
// or a rollback reaches the split within the push latency and one round trip.
import type { TPromptChangeEvent } from "@promptreg/contracts";
import { DeploymentWatcher, type DeploymentChange } from "../deployment-watcher.js";
import type { Transport } from "../http.js";
import { mayBeRolloutChange, type PromptCache } from "./cache.js";
import { environmentKey } from "./selection.js";
import type { Emit } from "./types.js";

export interface PushOptions {
  subscribe: boolean;
  pollIntervalMs: number;
}

/** The watcher that keeps `cache` in step with the server's deployments (started by the manager). */
export function watchDeployments(http: Transport, options: PushOptions, cache: PromptCache, emit: Emit): DeploymentWatcher {
  return new DeploymentWatcher(
    http,
    { subscribe: options.subscribe, pollIntervalMs: options.pollIntervalMs, idleTimeoutMs: 35_000, maxReconnectDelayMs: 30_000 },
    (change, via) => applyDeployment(cache, change, via, emit),
    (event) => {
      switch (event.type) {
        case "connected":
          return emit({ type: "subscribed" });
        case "disconnected":
          return emit({ type: "subscription-lost", error: event.error, retryInMs: event.retryInMs });
        case "polling":
          return emit({ type: "polling", intervalMs: event.intervalMs });
        case "poll-failed":
          return emit({ type: "poll-failed", error: event.error });
      }
    },
    (change) => applyPromptChange(cache, change, emit),
    // A gap the server cannot replay: nothing cached can be trusted to be current.
    () => cache.invalidate(),
  );
}

/** An environment pointer moved (or was removed). */
export function applyDeployment(cache: PromptCache, change: DeploymentChange, via: "sse" | "poll", emit: Emit): void {
  const key = environmentKey(change.promptId, change.environment);
  const pointer = cache.pointers.get(key);
  const base = { type: "deployment", promptId: change.promptId, environment: change.environment, versionId: change.versionId, revision: change.revision, via } as const;
  if ((pointer === undefined && !cache.inflight.has(key)) || (pointer !== undefined && change.revision <= pointer.revision)) {
    if (via === "sse") emit({ ...base, effect: "ignored" });
    return;
  }
  if (cache.inflight.has(key)) {
    const raced = cache.raced.get(key);
    if (raced === undefined || (raced !== "invalidated" && raced.revision < change.revision)) cache.raced.set(key, change);
  }
  if (change.versionId === null) {
    // Removed: never served again, not even as last known good.
    cache.pointers.delete(key);
    emit({ ...base, effect: "removed" });
    return;
  }
  if (pointer === undefined) return; // the fetch in flight asks again
  const rolloutChange = cache.rollouts && mayChangeRollout(change, pointer.target.id, pointer.split !== null);
  pointer.revision = change.revision;
  const target = cache.versions.get(change.versionId);
  if (rolloutChange && (pointer.split !== null || change.versionId !== pointer.target.id)) {
    // An active rollout changed or ended (or the environment moved under it): the old split is not served
    // again once the refetch answers; until then it is only last known good (with the moved pointer's
    // version when held).
    if (target !== undefined && target.promptId === change.promptId) pointer.target = target;
    pointer.invalidated = true;
    emit({ ...base, effect: "refetching" });
    cache.revalidate(pointer);
    return;
  }
  if (rolloutChange) {
    // Perhaps a rollout started (or a replay of an old change): the stable version is still right, so it is
    // served while the rollout is asked in the background.
    emit({ ...base, effect: "refetching" });
    cache.revalidate(pointer);
    return;
  }
  if (target !== undefined && target.promptId === change.promptId) {
    pointer.target = target;
    pointer.validatedAt = performance.now();
    pointer.invalidated = false;
    emit({ ...base, effect: "moved" });
    return;
  }
  pointer.invalidated = true;
  emit({ ...base, effect: "refetching" });
  cache.revalidate(pointer);
}

/**
 * Whether a pushed change may start, change or end the environment's rollout. The server names rollout
 * changes (`action: "rollout-…"`, and `rolloutId` on a move that ended one); from a server that does not
 * say, any change that leaves the version as it is, or comes during a rollout, may be one.
 */
function mayChangeRollout(change: DeploymentChange, currentVersionId: string | null, splitActive: boolean): boolean {
  if (splitActive) return true;
  if (change.action !== undefined) return mayBeRolloutChange(change);
  return change.versionId === currentVersionId;
}

/**
 * A prompt deleted, or one of its versions hidden: nothing of it is served again from memory, not even
 * through an outage; the next call asks the server (which answers 404 for what is gone).
 */
export function applyPromptChange(cache: PromptCache, change: TPromptChangeEvent, emit: Emit): void {
  cache.invalidate(change.promptId);
  if (change.action === "prompt-deleted") {
    for (const [id, entry] of cache.versions) if (entry.promptId === change.promptId) cache.versions.delete(id);
  } else if (change.versionId !== null) {
    cache.versions.delete(change.versionId);
  }
  emit({ type: "prompt-change", promptId: change.promptId, action: change.action, versionId: change.versionId });
}
