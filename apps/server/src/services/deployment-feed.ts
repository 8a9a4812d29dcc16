import type { Repositories } from "../db/index.js";
import type { DeploymentDoc } from "../db/documents.js";
import type { DeploymentChange, DeploymentEvents } from "./events.js";

/** What an entry did and its rollout facts, as its change carries them (the stream's optional fields). */
export function deploymentFacts(entry: Pick<DeploymentDoc, "action" | "reason" | "rolloutId" | "candidateVersionId" | "weight" | "actor">): Pick<DeploymentChange, "action" | "reason" | "rolloutId" | "candidateVersionId" | "weight" | "actor"> {
  return {
    action: entry.action,
    ...(entry.reason !== undefined && { reason: entry.reason }),
    ...(entry.rolloutId !== undefined && { rolloutId: entry.rolloutId }),
    ...(entry.candidateVersionId !== undefined && { candidateVersionId: entry.candidateVersionId }),
    ...(entry.weight !== undefined && { weight: entry.weight }),
    ...(entry.actor !== undefined && { actor: entry.actor }),
  };
}

export interface DeploymentFeedOptions {
  /** How often the deployment clock is polled. */
  intervalMs: number;
  /** How far back each read of the history reaches, to tolerate clock skew between replicas. */
  overlapMs: number;
}

/**
 * Brings other replicas' pointer and prompt changes and key revocations into this replica's event bus, so
 * caches here are invalidated (and revoked keys refused) within about one poll interval. Polls the
 * deployment clock (one read by `_id`); only when it moved does it read the deployment history, the prompt
 * change log, the keys revoked and the organization settings changed in the last `overlapMs`, publishing what it has not published before.
 */
export function createDeploymentFeed(repos: Repositories, events: DeploymentEvents, options: DeploymentFeedOptions) {
  let lastTick: number | undefined;
  let lastPollAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function poll(): Promise<void> {
    const pollAt = Date.now();
    const tick = await repos.deploymentClock.read();
    if (lastTick === undefined || tick !== lastTick) {
      const since = new Date(lastPollAt - options.overlapMs);
      const [entries, promptChanges, revokedKeys, settingsChanges] = await Promise.all([
        repos.deployments.since(since, 10_000),
        repos.promptChanges.since(since, 10_000),
        repos.apiKeys.revokedSince(since, 10_000),
        repos.organizationSettings.changedSince(since, 10_000),
      ]);
      // Protected environments: the next move in that organization reads them again.
      for (const settings of settingsChanges) events.publishProtectionChange({ orgId: settings.orgId });
      // Revocations first: a revoked key must not be accepted a moment longer than it takes to learn of it.
      for (const key of revokedKeys) events.publishKeyRevocation({ keyId: key._id, orgId: key.orgId, hash: key.hash });
      for (const entry of entries) {
        const id = entry._id.toHexString();
        if (events.delivered(id)) continue;
        events.publish({
          deploymentId: id,
          orgId: entry.orgId,
          promptId: entry.promptId,
          environment: entry.environment,
          versionId: entry.versionId,
          revision: entry.revision,
          at: entry.at,
          ...deploymentFacts(entry),
        });
      }
      for (const change of promptChanges) {
        const id = change._id.toHexString();
        if (events.promptChangeDelivered(id)) continue;
        events.publishPromptChange({
          changeId: id,
          orgId: change.orgId,
          promptId: change.promptId,
          action: change.action,
          versionId: change.versionId,
        });
      }
      lastTick = tick;
    }
    lastPollAt = pollAt;
  }

  const loop = () => {
    timer = setTimeout(() => {
      poll()
        .catch(() => undefined) // the database is down: caches keep their TTL bound; try again next tick
        .finally(() => running && loop());
    }, options.intervalMs);
    timer.unref();
  };

  return {
    poll,
    start() {
      if (running) return;
      running = true;
      loop();
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
export type DeploymentFeed = ReturnType<typeof createDeploymentFeed>;
